namespace FluxMap.Compare.Adapters;

/// <summary>What a store promises about a write once the call that made it returns.</summary>
internal enum DurabilityClass
{
    /// <summary>Nothing survives the process.</summary>
    None,

    /// <summary>Survives a process crash; a machine crash may take back the last moments of commits.</summary>
    Relaxed,

    /// <summary>On disk (fsync) before the call returns.</summary>
    Strict,
}

namespace FluxMap.Compare.Workloads;

/// <summary>The FeOxDB benchmark's operations.</summary>
internal enum FeoxOperation
{
    /// <summary>Reads of loaded keys in random order.</summary>
    Get,

    /// <summary>80% reads, 20% overwrites of loaded keys.</summary>
    Mixed,

    /// <summary>Inserts of as many new keys as were loaded, in random order.</summary>
    Insert,

    /// <summary>Deletes of every loaded key in random order.</summary>
    Delete,
}

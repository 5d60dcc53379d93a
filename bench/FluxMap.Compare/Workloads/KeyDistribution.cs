namespace FluxMap.Compare.Workloads;

/// <summary>How YCSB workloads choose the keys they touch.</summary>
internal enum KeyDistribution
{
    /// <summary>Every loaded key equally likely.</summary>
    Uniform,

    /// <summary>Scrambled zipfian (theta 0.99): a few hot keys take most requests.</summary>
    Zipfian,
}

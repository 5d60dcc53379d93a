namespace FluxMap.Transactions;

/// <summary>Where a scan's step stopped.</summary>
internal enum ScanStep
{
    /// <summary>Past the end of the range.</summary>
    End,

    /// <summary>At a pair held in memory.</summary>
    Found,

    /// <summary>At a key whose value is paged out to the data file.</summary>
    Unloaded,
}

namespace FluxMap.Compare.Reporting;

/// <summary>Hears how far a run has got, for a progress display.</summary>
internal interface ICompareObserver
{
    /// <summary>Row <paramref name="index"/> of <paramref name="total"/> is about to run (or be skipped).</summary>
    void RowStarting(int index, int total, string store, string workload);
}

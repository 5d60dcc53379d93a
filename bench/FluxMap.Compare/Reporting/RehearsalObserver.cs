namespace FluxMap.Compare.Reporting;

/// <summary>Shows the untimed rehearsal's rows through another observer, marked so they are not mistaken for measurements.</summary>
internal sealed class RehearsalObserver(ICompareObserver inner) : ICompareObserver
{
    /// <summary>What the store name of a rehearsal row starts with.</summary>
    public const string Prefix = "rehearsal: ";

    /// <inheritdoc />
    public void RowStarting(int index, int total, string store, string workload) => inner.RowStarting(index, total, Prefix + store, workload);
}

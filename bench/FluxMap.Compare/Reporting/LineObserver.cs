namespace FluxMap.Compare.Reporting;

/// <summary>Progress as one line per row, for output that is not an interactive terminal (CI logs, pipes).</summary>
internal sealed class LineObserver(TextWriter writer) : ICompareObserver
{
    /// <inheritdoc />
    public void RowStarting(int index, int total, string store, string workload) =>
        writer.WriteLine($"[{index}/{total}] {store} · {workload}");
}

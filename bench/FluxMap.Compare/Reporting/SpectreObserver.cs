using Spectre.Console;

namespace FluxMap.Compare.Reporting;

/// <summary>Progress as a live bar in an interactive terminal.</summary>
internal sealed class SpectreObserver(ProgressTask task) : ICompareObserver
{
    /// <inheritdoc />
    public void RowStarting(int index, int total, string store, string workload)
    {
        task.MaxValue = total;
        task.Value = index - 1;
        task.Description = Markup.Escape($"{store} · {workload}");
    }
}

using FluxMap.Compare.Reporting;

namespace FluxMap.Compare.Tests;

/// <summary>Remembers the row numbers the harness announced.</summary>
internal sealed class RecordingObserver : ICompareObserver
{
    public List<int> Rows { get; } = [];

    public List<string> Rehearsed { get; } = [];

    public void RowStarting(int index, int total, string store, string workload)
    {
        if (store.StartsWith(RehearsalObserver.Prefix, StringComparison.Ordinal))
        {
            Rehearsed.Add($"{store[RehearsalObserver.Prefix.Length..]} {workload}");
        }
        else
        {
            Rows.Add(index);
        }
    }
}

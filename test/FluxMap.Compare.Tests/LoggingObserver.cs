using System.Collections.Concurrent;
using FluxMap.Compare.Reporting;

namespace FluxMap.Compare.Tests;

/// <summary>Writes each announced row into the log the recording stores write to, so a test sees what happened between rows.</summary>
internal sealed class LoggingObserver(ConcurrentQueue<string> log) : ICompareObserver
{
    public void RowStarting(int index, int total, string store, string workload) => log.Enqueue($"row {store} {workload}");
}

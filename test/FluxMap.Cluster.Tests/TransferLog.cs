using System.Collections.Concurrent;
using System.Diagnostics;
using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// What came of every transfer the clients sent: acknowledged (must be on every member), failed
/// (certainly not committed: must be on none) or unknown (either). Each attempt has its own id,
/// above <paramref name="idBase"/>: logs kept apart in one cluster need ranges apart.
/// </summary>
internal sealed class TransferLog(int idBase = 0)
{
    /// <summary>How long a test waits for progress before it fails instead of hanging.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ConcurrentQueue<Transfer> _acknowledged = new();
    private readonly ConcurrentQueue<int> _failed = new();
    private readonly ConcurrentQueue<int> _unknown = new();
    private readonly Signal _changed = new();
    private int _lastId = idBase;

    internal IReadOnlyCollection<Transfer> Acknowledged => _acknowledged;

    internal IReadOnlyCollection<int> Failed => _failed;

    internal IReadOnlyCollection<int> Unknown => _unknown;

    internal int NextId() => Interlocked.Increment(ref _lastId);

    internal void Acknowledge(Transfer transfer)
    {
        _acknowledged.Enqueue(transfer);
        _changed.Pulse();
    }

    internal void Fail(int id) => _failed.Enqueue(id);

    internal void Lose(int id) => _unknown.Enqueue(id);

    internal async Task WaitForAcknowledgedAsync(int count) =>
        await _changed.WaitAsync(() => _acknowledged.Count >= count, TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience);

    /// <summary>Waits for the first acknowledgement after <paramref name="since"/> from a member other than <paramref name="except"/>; returns how long after <paramref name="since"/> it came.</summary>
    internal async Task<TimeSpan> WaitForAcknowledgementAsync(long since, int except)
    {
        await _changed.WaitAsync(() => After(since, except).Any(), TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience);
        return Stopwatch.GetElapsedTime(since, After(since, except).Min(t => t.At));
    }

    private IEnumerable<Transfer> After(long since, int except) => _acknowledged.Where(t => t.At > since && t.Member != except);
}

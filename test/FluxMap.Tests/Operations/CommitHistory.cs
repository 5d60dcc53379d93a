using System.Collections.Concurrent;
using FluxMap.CrashWorker;

namespace FluxMap.Tests.Operations;

/// <summary>
/// Writers that commit while a backup or export runs, each commit recorded with its commit
/// timestamp, so a copy can be compared with exactly the state after the commits up to a snapshot.
/// </summary>
internal sealed class CommitHistory
{
    private readonly ConcurrentBag<(long Timestamp, (string Key, long? Value)[] Writes)> _commits = [];
    private readonly Dictionary<string, long> _initial = [];
    private readonly Lock _gate = new();
    private int _commitCount;
    private (int Count, TaskCompletionSource Reached)? _waiter;

    /// <summary>Completes once the writers committed <paramref name="more"/> transactions after this call.</summary>
    internal Task WhenMoreCommits(int more)
    {
        lock (_gate)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (_commitCount + more, reached);
            return reached.Task;
        }
    }

    /// <summary>Seeds the bank's accounts and <paramref name="filler"/> other keys, so a snapshot takes a while to read.</summary>
    internal async Task SeedAsync(FluxHandle<string, long> handle, int filler)
    {
        for (var a = 0; a < CrashModel.Accounts; a++)
        {
            _initial[CrashModel.Account(a)] = CrashModel.InitialBalance;
        }

        for (var i = 0; i < filler; i++)
        {
            _initial[$"fill:{i:D6}"] = i;
        }

        foreach (var chunk in _initial.Chunk(1_000))
        {
            await handle.TransactionAsync(async (tx, ct) =>
            {
                foreach (var (key, value) in chunk)
                {
                    await tx.InsertAsync(key, value, ct);
                }
            }, Fixture.Ct);
        }
    }

    /// <summary>
    /// Commits until <paramref name="stop"/>: each transaction moves money between two accounts,
    /// writes the writer's marker n and its "last" key, and deletes an older marker.
    /// </summary>
    internal async Task WriteAsync(FluxHandle<string, long> handle, int writer, CancellationToken stop)
    {
        var random = new Random(Fixture.SeedOr(17) + writer);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var (from, to) = (random.Next(CrashModel.Accounts), random.Next(CrashModel.Accounts));
            var writes = new List<(string Key, long? Value)>();
            await using var tx = handle.BeginTransaction();
            try
            {
                if (from != to)
                {
                    var source = (await tx.GetAsync(CrashModel.Account(from), Fixture.Ct)).Value;
                    var target = (await tx.GetAsync(CrashModel.Account(to), Fixture.Ct)).Value;
                    writes.Add((CrashModel.Account(from), source - 1));
                    writes.Add((CrashModel.Account(to), target + 1));
                }

                writes.Add(($"w{writer}:{n:D6}", n));
                writes.Add(($"w{writer}:last", n));
                if (CrashModel.FullDeletes(n) is { } old)
                {
                    writes.Add(($"w{writer}:{old:D6}", null));
                }

                foreach (var (key, value) in writes)
                {
                    if (value is { } v)
                    {
                        await tx.InsertAsync(key, v, Fixture.Ct);
                    }
                    else
                    {
                        await tx.RemoveAsync(key, Fixture.Ct);
                    }
                }

                await tx.CommitAsync(Fixture.Ct);
            }
            catch (SerializationConflictException)
            {
                continue;
            }

            _commits.Add((tx.Record.CommitTimestamp, writes.ToArray()));
            lock (_gate)
            {
                if (++_commitCount == _waiter?.Count)
                {
                    _waiter.Value.Reached.SetResult();
                }
            }
        }
    }

    /// <summary>The database's contents after the seed and every recorded commit at or below <paramref name="snapshot"/>.</summary>
    internal SortedDictionary<string, long> StateAt(long snapshot)
    {
        var state = new SortedDictionary<string, long>(_initial, StringComparer.Ordinal);
        foreach (var (_, writes) in _commits.Where(c => c.Timestamp <= snapshot).OrderBy(c => c.Timestamp))
        {
            foreach (var (key, value) in writes)
            {
                if (value is { } v)
                {
                    state[key] = v;
                }
                else
                {
                    state.Remove(key);
                }
            }
        }

        return state;
    }

    /// <summary>Whether some recorded commit came after <paramref name="snapshot"/>: writes went on while it was read.</summary>
    internal bool HasCommitsAfter(long snapshot) => _commits.Any(c => c.Timestamp > snapshot);
}

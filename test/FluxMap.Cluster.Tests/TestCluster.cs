using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>Three members in this process on loopback, on free ports, each with its own directories; members can be stopped, restarted and wiped.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly TempDirectory _root = new();
    private readonly string[] _endPoints;
    private readonly int _snapshotInterval;
    private readonly TimeProvider _time;

    private TestCluster(int size, int snapshotInterval, TimeProvider time)
    {
        _snapshotInterval = snapshotInterval;
        _time = time;
        _endPoints = LoopbackPort.FreeEndPoints(size);
        Members = new ReplicatedFluxDatabase<string, long>?[size];
    }

    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal ReplicatedFluxDatabase<string, long>?[] Members { get; }

    internal IEnumerable<ReplicatedFluxDatabase<string, long>> Running => Members.OfType<ReplicatedFluxDatabase<string, long>>();

    /// <param name="size">Members.</param>
    /// <param name="snapshotInterval">Raft entries between snapshots.</param>
    /// <param name="time">The databases' clock (time-to-lives, the expired-key sweeper); Raft keeps real time.</param>
    internal static async Task<TestCluster> StartAsync(int size = 3, int snapshotInterval = 4096, TimeProvider? time = null)
    {
        var cluster = new TestCluster(size, snapshotInterval, time ?? TimeProvider.System);
        await Task.WhenAll(Enumerable.Range(0, size).Select(cluster.StartMemberAsync));
        return cluster;
    }

    internal async Task StartMemberAsync(int index)
    {
        var replication = TestReplicationOptions.Member(_endPoints, index, Path.Combine(_root.Path, $"m{index}", "raft"));
        replication.SnapshotInterval = _snapshotInterval;
        replication.MaxCommitsPerEntry = 64;

        Members[index] = await ReplicatedFluxDatabase.OpenAsync<string, long>(
            replication,
            b => b.WithOptions(new FluxMapOptions
            {
                DataDirectory = Path.Combine(_root.Path, $"m{index}", "data"),
                RetryBaseDelay = TimeSpan.FromMilliseconds(1),

                // Four workers moving money between eight accounts conflict often, and each attempt waits for a Raft round trip.
                MaxTransactionAttempts = 100,
            }).WithTimeProvider(_time),
            cancellationToken: Ct);
    }

    internal async Task StopMemberAsync(int index)
    {
        var member = Members[index]!;
        Members[index] = null;
        await member.DisposeAsync();
    }

    internal void Wipe(int index) => Directory.Delete(Path.Combine(_root.Path, $"m{index}"), recursive: true);

    /// <summary>Waits until one running member leads, on the members' own signals.</summary>
    internal async Task<ReplicatedFluxDatabase<string, long>> LeaderAsync()
    {
        using var found = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var running = Running.ToList();
        var winner = await Task.WhenAny(running.Select(async m =>
        {
            await m.Node.Host.Changed.WaitAsync(() => m.IsLeader, found.Token);
            return m;
        }));
        await found.CancelAsync();
        return await winner;
    }

    /// <summary>
    /// Waits until <paramref name="member"/> shows <paramref name="position"/>; fails after
    /// <see cref="TransferLog.Patience"/> naming where each running member stopped, instead of hanging.
    /// </summary>
    internal async Task WaitForCommitAsync(ReplicatedFluxDatabase<string, long> member, long position)
    {
        try
        {
            await member.WaitForCommitAsync(position, Ct).AsTask().WaitAsync(TransferLog.Patience, Ct);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Member {Array.IndexOf(Members, member)} did not show commit {position} within {TransferLog.Patience}. {Describe()}");
        }
    }

    // Where every running member stands, in Raft entries and commits.
    private string Describe() => string.Join("; ", Running.Select(m =>
    {
        var log = m.Node.RaftLog;
        return $"member {Array.IndexOf(Members, m)}{(m.IsLeader ? " (leader)" : "")}: Raft log to {log.LastEntryIndex}, committed {log.LastCommittedEntryIndex}, " +
            $"applied {m.Node.Machine.AppliedIndex}, snapshot {m.Node.Machine.Snapshot?.Index}, commit {m.CommitPosition}, shown {m.Node.Shown}";
    }));

    /// <summary>Waits for a leader; returns it and a running member that does not lead.</summary>
    internal async Task<(ReplicatedFluxDatabase<string, long> Leader, ReplicatedFluxDatabase<string, long> Follower)> LeaderAndFollowerAsync()
    {
        var leader = await LeaderAsync();
        return (leader, Running.First(m => m != leader));
    }

    /// <summary>Runs a read-write transaction on whichever member leads, following the leadership when it moves.</summary>
    internal async Task<T> OnLeaderAsync<T>(Func<FluxTransaction<string, long>, CancellationToken, ValueTask<T>> body)
    {
        while (true)
        {
            var leader = await LeaderAsync();
            try
            {
                return await leader.TransactionAsync(body, Ct);
            }
            catch (SerializationConflictException) when (!leader.IsLeader)
            {
            }
            catch (ObjectDisposedException)
            {
                // The member was stopped under the call.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var index in Enumerable.Range(0, Members.Length).Where(i => Members[i] is not null))
        {
            await StopMemberAsync(index);
        }

        _root.Dispose();
    }
}

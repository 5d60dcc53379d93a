using System.Collections.Concurrent;
using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Money moves between accounts in transactions on the leader, or on any member, while members
/// read, stop, restart and are wiped: the total never changes on any member, and every acknowledged transfer is on
/// every member afterwards.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class BankTests
{
    private const int Accounts = 8;
    private const long Opening = 1_000;

    private static CancellationToken Ct => TestCluster.Ct;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_transfers_keep_the_total_on_every_member_and_every_acknowledged_transfer_reaches_all(bool onEveryMember)
    {
        await using var cluster = await TestCluster.StartAsync();
        await OpenAccountsAsync(cluster);
        var acknowledged = new ConcurrentBag<string>();

        using var done = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var readers = cluster.Running.Select(m => CheckTotalsAsync(m, done.Token)).ToList();
        var members = cluster.Members.ToArray();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => onEveryMember
            ? TransferAsync(body => members[w % members.Length]!.TransactionAsync(body, Ct).AsTask(), w, 20, acknowledged)
            : TransferAsync(cluster, w, 20, acknowledged)));
        await done.CancelAsync();
        Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 0));

        Assert.Equal(120, acknowledged.Count);
        await AssertEveryMemberHoldsAsync(cluster, acknowledged);
    }

    [Fact]
    public async Task The_leader_stopped_under_forwarded_transfers_loses_none_it_acknowledged()
    {
        await using var cluster = await TestCluster.StartAsync();
        await OpenAccountsAsync(cluster);
        var leader = await cluster.LeaderAsync();
        var followers = cluster.Running.Where(m => m != leader).ToArray();
        var acknowledged = new ConcurrentBag<string>();
        var unknown = new ConcurrentBag<string>();

        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(w =>
            TransferAsync(body => followers[w % 2].TransactionAsync(body, Ct).AsTask(), w, 30, acknowledged, unknown)));
        await leader.Node.Host.Changed.WaitAsync(() => acknowledged.Count >= 20 || load.IsCompleted, Ct);
        await cluster.StopMemberAsync(Array.IndexOf(cluster.Members, leader));
        await load;

        Assert.Equal(120, acknowledged.Count + unknown.Count);
        await AssertEveryMemberHoldsAsync(cluster, acknowledged, unknown);
    }

    [Fact]
    public async Task The_leader_stopped_mid_load_gives_way_to_a_new_one_and_no_acknowledged_transfer_is_lost()
    {
        await using var cluster = await TestCluster.StartAsync();
        await OpenAccountsAsync(cluster);
        var acknowledged = new ConcurrentBag<string>();

        var load = Task.WhenAll(Enumerable.Range(0, 3).Select(w => TransferAsync(cluster, w, 40, acknowledged)));
        while (acknowledged.Count < 20)
        {
            await (await cluster.LeaderAsync()).Node.Host.Changed.WaitAsync(() => acknowledged.Count >= 20 || load.IsCompleted, Ct);
        }

        var leader = await cluster.LeaderAsync();
        await cluster.StopMemberAsync(Array.IndexOf(cluster.Members, leader));
        await load;

        Assert.Equal(120, acknowledged.Count);
        await AssertEveryMemberHoldsAsync(cluster, acknowledged);
    }

    [Fact]
    public async Task A_restarted_member_catches_up_by_the_log()
    {
        await using var cluster = await TestCluster.StartAsync();
        await OpenAccountsAsync(cluster);
        var acknowledged = new ConcurrentBag<string>();
        var leader = await cluster.LeaderAsync();
        var restarted = Array.FindIndex(cluster.Members, m => m != leader);

        await cluster.StopMemberAsync(restarted);
        await TransferAsync(cluster, 0, 30, acknowledged);
        await cluster.StartMemberAsync(restarted);
        await AssertEveryMemberHoldsAsync(cluster, acknowledged);
    }

    [Fact]
    public async Task A_wiped_member_catches_up_by_a_snapshot_of_the_compacted_log()
    {
        await using var cluster = await TestCluster.StartAsync(snapshotInterval: 8);
        await OpenAccountsAsync(cluster);
        var acknowledged = new ConcurrentBag<string>();
        var leader = await cluster.LeaderAsync();
        var wiped = Array.FindIndex(cluster.Members, m => m != leader);

        await cluster.StopMemberAsync(wiped);
        cluster.Wipe(wiped);
        await TransferAsync(cluster, 0, 60, acknowledged);
        Assert.NotNull((await cluster.LeaderAsync()).Node.Machine.Snapshot);
        await cluster.StartMemberAsync(wiped);
        await AssertEveryMemberHoldsAsync(cluster, acknowledged);

        // More than one when the leader's wait for the answer to the first timed out: it then sends a newer snapshot.
        Assert.InRange(cluster.Members[wiped]!.Node.Machine.SnapshotsInstalled, 1, int.MaxValue);
    }

    [Fact]
    public async Task A_follower_writes_and_reads_its_own_write_and_waits_for_a_position_read_on_the_leader()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (leader, follower) = await cluster.LeaderAndFollowerAsync();

        await follower.TransactionAsync(async (tx, ct) => { await tx.InsertAsync("mine", 5, ct); return 0; }, Ct);
        Assert.Equal(5, await follower.ReadAsync(async (tx, ct) => (await tx.GetAsync("mine", ct)).Value, Ct));

        await leader.TransactionAsync(async (tx, ct) => { await tx.InsertAsync("written", 7, ct); return 0; }, Ct);
        await follower.WaitForCommitAsync(leader.CommitPosition, Ct);
        Assert.Equal(7, await follower.ReadAsync(async (tx, ct) => (await tx.GetAsync("written", ct)).Value, Ct));

        await leader.TransactionAsync(async (tx, ct) => { await tx.InsertAsync("later", 8, ct); return 0; }, Ct);
        await follower.ReadBarrierAsync(Ct);
        Assert.Equal(8, await follower.ReadAsync(async (tx, ct) => (await tx.GetAsync("later", ct)).Value, Ct));
    }

    [Fact]
    public async Task A_read_barrier_sent_as_the_leader_stops_waits_for_the_next_leader_and_sees_every_acknowledged_write()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (leader, follower) = await cluster.LeaderAndFollowerAsync();
        await leader.TransactionAsync(async (tx, ct) => { await tx.InsertAsync("before", 1, ct); return 0; }, Ct);

        // The follower still names the stopped leader until an election timeout passes: DotNext's barrier fails at once then.
        await cluster.StopMemberAsync(Array.IndexOf(cluster.Members, leader));
        await follower.ReadBarrierAsync(Ct);

        Assert.Equal(1, await follower.ReadAsync(async (tx, ct) => (await tx.GetAsync("before", ct)).Value, Ct));
    }

    [Fact]
    public async Task A_read_barrier_on_a_member_without_a_majority_times_out_with_a_timeout_exception()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (leader, follower) = await cluster.LeaderAndFollowerAsync();
        foreach (var other in cluster.Running.Where(m => m != follower).ToList())
        {
            await cluster.StopMemberAsync(Array.IndexOf(cluster.Members, other));
        }

        var refused = await Assert.ThrowsAsync<TimeoutException>(() => follower.ReadBarrierAsync(Ct).AsTask());
        Assert.Contains("cut off from a majority", refused.Message, StringComparison.Ordinal);
    }

    // Every member shows the accounts afterwards: a transfer on a follower runs on its own snapshot.
    private static async Task OpenAccountsAsync(TestCluster cluster)
    {
        await cluster.OnLeaderAsync(async (tx, ct) =>
        {
            for (var a = 0; a < Accounts; a++)
            {
                await tx.InsertAsync($"acct:{a}", Opening, ct);
            }

            return 0;
        });
        var position = (await cluster.LeaderAsync()).CommitPosition;
        foreach (var member in cluster.Running)
        {
            await cluster.WaitForCommitAsync(member, position);
        }
    }

    private static Task TransferAsync(TestCluster cluster, int worker, int count, ConcurrentBag<string> acknowledged) =>
        TransferAsync(cluster.OnLeaderAsync, worker, count, acknowledged);

    // Each transfer also writes its own ledger key, so its presence on a member proves it arrived.
    // With `unknown`, a transfer whose outcome the member could not learn goes there instead of failing the worker.
    private static async Task TransferAsync(
        Func<Func<FluxTransaction<string, long>, CancellationToken, ValueTask<int>>, Task<int>> run,
        int worker,
        int count,
        ConcurrentBag<string> acknowledged,
        ConcurrentBag<string>? unknown = null)
    {
        var random = new Random(1000 + worker);
        for (var i = 0; i < count; i++)
        {
            var (from, to, amount) = (random.Next(Accounts), random.Next(Accounts), random.Next(1, 50));
            var id = $"t:{worker}:{i}";
            try
            {
                await run(async (tx, ct) =>
                {
                    var a = (await tx.GetAsync($"acct:{from}", ct)).Value;
                    var b = (await tx.GetAsync($"acct:{to}", ct)).Value;
                    if (from != to)
                    {
                        await tx.InsertAsync($"acct:{from}", a - amount, ct);
                        await tx.InsertAsync($"acct:{to}", b + amount, ct);
                    }

                    await tx.InsertAsync(id, amount, ct);
                    return 0;
                });
                acknowledged.Add(id);
            }
            catch (CommitOutcomeUnknownException) when (unknown is not null)
            {
                unknown.Add(id);
            }
        }
    }

    private static async Task<int> CheckTotalsAsync(ReplicatedFluxDatabase<string, long> member, CancellationToken stop)
    {
        var reads = 0;
        try
        {
            while (true)
            {
                var total = await member.ReadAsync(async (tx, ct) => await SumAsync(tx, ct), stop);
                Assert.True(total is 0 or Accounts * Opening, $"A member showed a total of {total}.");
                reads++;
                await member.WaitForCommitAsync(member.VisiblePosition + 1, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return reads;
        }
    }

    // Every acknowledged transfer is on every member, and nothing else is but transfers whose outcome was unknown.
    private static async Task AssertEveryMemberHoldsAsync(TestCluster cluster, ConcurrentBag<string> acknowledged, ConcurrentBag<string>? unknown = null)
    {
        var possible = acknowledged.Concat(unknown ?? []).ToHashSet();
        var leader = await cluster.LeaderAsync();
        var position = leader.CommitPosition;
        foreach (var member in cluster.Running)
        {
            await cluster.WaitForCommitAsync(member, position);
            var (total, ledger) = await member.ReadAsync(
                async (tx, ct) =>
                {
                    var keys = new HashSet<string>();
                    await foreach (var (key, _) in tx.ScanPrefixAsync("t:", ct))
                    {
                        keys.Add(key);
                    }

                    return (await SumAsync(tx, ct), keys);
                },
                Ct);
            Assert.Equal(Accounts * Opening, total);
            Assert.Superset(acknowledged.ToHashSet(), ledger);
            Assert.Subset(possible, ledger);
        }
    }

    private static async ValueTask<long> SumAsync(FluxTransaction<string, long> tx, CancellationToken ct)
    {
        var total = 0L;
        await foreach (var (_, balance) in tx.ScanPrefixAsync("acct:", ct))
        {
            total += balance;
        }

        return total;
    }
}

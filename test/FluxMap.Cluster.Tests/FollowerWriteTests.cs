using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Read-write transactions on a follower: the body runs on the follower's snapshot, the leader
/// validates what it read and commits its writes. Serializable across members (no write skew),
/// a changed read retries, and a write that cannot be sent, a cancelled one and one in flight
/// when the follower closes fail as documented.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class FollowerWriteTests
{
    private static CancellationToken Ct => TestCluster.Ct;

    [Fact]
    public async Task Two_followers_each_reading_both_keys_and_writing_one_never_both_commit_a_write_skew()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        await leader.TransactionAsync(async (tx, ct) => { await tx.InsertAsync("x", 50, ct); await tx.InsertAsync("y", 50, ct); return 0; }, Ct);
        var position = leader.CommitPosition;
        var followers = cluster.Running.Where(m => m != leader).ToArray();
        foreach (var follower in followers)
        {
            await follower.WaitForCommitAsync(position, Ct);
        }

        // Both first attempts read before either writes: each alone keeps x + y >= 0, both together would not.
        using var bothRead = new Barrier(2);
        var attempts = new int[2];
        var withdrew = await Task.WhenAll(new[] { "x", "y" }.Select((key, i) => Task.Run(() => followers[i].TransactionAsync(
            async (tx, ct) =>
            {
                var total = (await tx.GetAsync("x", ct)).Value + (await tx.GetAsync("y", ct)).Value;
                if (Interlocked.Increment(ref attempts[i]) == 1)
                {
                    bothRead.SignalAndWait(ct);
                }

                if (total < 100)
                {
                    return false;
                }

                await tx.InsertAsync(key, (await tx.GetAsync(key, ct)).Value - 100, ct);
                return true;
            },
            Ct).AsTask())));

        Assert.Single(withdrew, w => w);
        await leader.ReadBarrierAsync(Ct);
        Assert.Equal(0, await leader.ReadAsync(async (tx, ct) => (await tx.GetAsync("x", ct)).Value + (await tx.GetAsync("y", ct)).Value, Ct));
        Assert.Contains(attempts, a => a > 1);
    }

    [Fact]
    public async Task A_follower_whose_read_changed_on_the_leader_retries_and_commits_on_the_newer_state()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (leader, follower) = await cluster.LeaderAndFollowerAsync();
        await InsertAsync(leader, "k", 1);
        await follower.WaitForCommitAsync(leader.CommitPosition, Ct);

        var attempts = 0;
        await follower.TransactionAsync(
            async (tx, ct) =>
            {
                var seen = (await tx.GetAsync("k", ct)).Value;
                if (++attempts == 1)
                {
                    await InsertAsync(leader, "k", 10);
                }

                await tx.InsertAsync("k", seen + 1, ct);
                return 0;
            },
            Ct);

        Assert.True(attempts > 1);
        Assert.Equal(11, await GetAsync(follower, "k"));
        await leader.ReadBarrierAsync(Ct);
        Assert.Equal(11, await GetAsync(leader, "k"));
    }

    [Fact]
    public async Task A_follower_scan_the_leader_inserts_into_retries_and_one_stopped_before_the_insert_does_not()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (leader, follower) = await cluster.LeaderAndFollowerAsync();
        await InsertAsync(leader, "item:1", 1);
        await InsertAsync(leader, "item:2", 2);
        await follower.WaitForCommitAsync(leader.CommitPosition, Ct);

        // The whole range was read: a key inserted into it is a phantom the leader sees.
        var attempts = 0;
        await follower.TransactionAsync(
            async (tx, ct) =>
            {
                var count = 0;
                await foreach (var _ in tx.ScanPrefixAsync("item:", ct))
                {
                    count++;
                }

                if (++attempts == 1)
                {
                    await InsertAsync(leader, "item:3", 3);
                }

                await tx.InsertAsync("count", count, ct);
                return 0;
            },
            Ct);
        Assert.True(attempts > 1);
        Assert.Equal(3, await GetAsync(follower, "count"));

        // Only the first key was read: a key inserted after it changes nothing the body saw.
        attempts = 0;
        await follower.TransactionAsync(
            async (tx, ct) =>
            {
                await using var scan = tx.ScanPrefixAsync("item:", ct).GetAsyncEnumerator(ct);
                Assert.True(await scan.MoveNextAsync());
                if (++attempts == 1)
                {
                    await InsertAsync(leader, "item:4", 4);
                }

                await tx.InsertAsync("first", scan.Current.Value, ct);
                return 0;
            },
            Ct);
        Assert.Equal(1, attempts);
        Assert.Equal(1, await GetAsync(follower, "first"));

        // Deletes and times-to-live go through as well.
        await follower.TransactionAsync(
            async (tx, ct) =>
            {
                await tx.InsertAsync("brief", 5, TimeSpan.FromHours(1), ct);
                return await tx.RemoveAsync("item:1", ct);
            },
            Ct);
        Assert.False(await follower.ReadAsync((tx, ct) => tx.ContainsKeyAsync("item:1", ct), Ct));
        Assert.NotNull(await follower.ReadAsync(async (tx, ct) => (await tx.GetTimeToLiveAsync("brief", ct)).Value, Ct));
    }

    [Fact]
    public async Task A_write_the_codec_cannot_encode_fails_on_the_follower_without_reaching_the_leader()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (leader, follower) = await cluster.LeaderAndFollowerAsync();

        var refused = await Assert.ThrowsAsync<ArgumentException>(
            () => InsertAsync(follower, "broken \uD800", 1));
        Assert.Contains("surrogate", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, leader.Node.Forwarding.Server.Received);

        await InsertAsync(follower, "fine", 2);
        Assert.Equal(1, leader.Node.Forwarding.Server.Received);
    }

    [Fact]
    public async Task A_follower_write_cancelled_before_it_is_sent_fails_and_sends_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (leader, follower) = await cluster.LeaderAndFollowerAsync();

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follower.TransactionAsync(
            async (tx, ct) =>
            {
                await tx.InsertAsync("cancelled", 1, ct);
                await cancel.CancelAsync();
                return 0;
            },
            cancel.Token).AsTask());

        Assert.Equal(0, leader.Node.Forwarding.Server.Received);
        await follower.ReadBarrierAsync(Ct);
        Assert.False(await follower.ReadAsync((tx, ct) => tx.ContainsKeyAsync("cancelled", ct), Ct));
    }

    [Fact]
    public async Task A_follower_closed_while_its_write_waits_for_the_leader_fails_it_as_disposed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var index = Array.FindIndex(cluster.Members, m => m is not null && m != leader);
        var follower = cluster.Members[index]!;

        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        leader.Node.Forwarding.Server.Holding = () =>
        {
            arrived.TrySetResult();
            return release.Task;
        };
        var write = InsertAsync(follower, "held", 1);
        await arrived.Task.WaitAsync(Ct);

        await cluster.StopMemberAsync(index);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => write);

        // The leader goes on: it takes the held transaction's fate in its stride and commits others.
        leader.Node.Forwarding.Server.Holding = null;
        release.SetResult();
        await InsertAsync(leader, "after", 2);
        Assert.Equal(2, await GetAsync(leader, "after"));
    }

    private static Task<int> InsertAsync(ReplicatedFluxDatabase<string, long> member, string key, long value) =>
        member.TransactionAsync(async (tx, ct) => { await tx.InsertAsync(key, value, ct); return 0; }, Ct).AsTask();

    private static Task<long> GetAsync(ReplicatedFluxDatabase<string, long> member, string key) =>
        member.ReadAsync(async (tx, ct) => (await tx.GetAsync(key, ct)).Value, Ct).AsTask();
}

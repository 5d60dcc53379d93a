using Microsoft.Extensions.Time.Testing;

namespace FluxMap.Cluster.Tests;

/// <summary>Expired keys on a replicated FluxMap: the leader sweeps them in a commit of its own, and every member installs its tombstones.</summary>
[Trait("Category", "Cluster")]
public sealed class ReplicatedExpiryTests
{
    private static CancellationToken Ct => TestCluster.Ct;

    [Fact]
    public async Task The_leader_sweeps_an_expired_key_once_and_every_member_holds_the_same_tombstone()
    {
        // One clock for the three databases: each runs its sweeper on it, and only the leader may sweep.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(time: time);
        var leader = await cluster.LeaderAsync();
        await leader.TransactionAsync(
            async (tx, ct) =>
            {
                await tx.InsertAsync("session", 1, TimeSpan.FromMinutes(1), ct);
                await tx.InsertAsync("kept", 2, ct);
                return 0;
            },
            Ct);
        var written = leader.CommitPosition;
        foreach (var member in cluster.Running)
        {
            await cluster.WaitForCommitAsync(member, written);
            Assert.True(Live(member, "session"));
        }

        var databases = cluster.Running.Select(m => m.Node.Host.Current).ToList();
        time.Advance(TimeSpan.FromMinutes(2));

        // The sweep is the next commit on the leader; the followers apply it from the Raft log. A
        // follower sweeping by itself would hold a commit the leader does not have, and would have
        // to reopen its database to drop it when the leader's arrived.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        await leader.WaitForCommitAsync(written + 1, bounded.Token);
        Assert.False(Live(leader, "session"));
        foreach (var member in cluster.Running)
        {
            await cluster.WaitForCommitAsync(member, leader.CommitPosition);
            Assert.Equal((false, true), (Live(member, "session"), Live(member, "kept")));
            Assert.Equal(LastCommit(leader), LastCommit(member));
        }

        Assert.Equal(databases, cluster.Running.Select(m => m.Node.Host.Current));
    }

    // Whether the store itself holds a value for the key, not only whether a read would show one: an
    // expired key is hidden from reads before it is swept.
    private static bool Live(Replication.ReplicatedFluxDatabase<string, long> member, string key) =>
        member.Node.Host.Current!.Engine.Store.Find(key)?.Head is { IsTombstone: false };

    private static long LastCommit(Replication.ReplicatedFluxDatabase<string, long> member) => member.Node.Host.Current!.Engine.Clock.LastCommit;
}

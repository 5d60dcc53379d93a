using FluxMap.Replication;
using FluxMap.Replication.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FluxMap.Cluster.Tests;

/// <summary>The replication health check, in each state a real member reaches.</summary>
[Trait("Category", "Cluster")]
public sealed class ReplicationHealthTests
{
    private static CancellationToken Ct => TestCluster.Ct;

    [Fact]
    public async Task Members_that_know_their_leader_are_healthy_and_report_role_term_and_indexes()
    {
        await using var hosts = ReplicaHosts.Build(3, (i, services) => services.AddHealthChecks().AddKeyedReplicatedFluxMap<string, long>(ReplicaHosts.Name(i)));
        await hosts.StartAsync();
        var leaderIndex = await hosts.LeaderAsync();
        var leader = hosts.Member(leaderIndex);
        await leader.TransactionAsync(async (tx, ct) => { await tx.InsertAsync("alice", 100, ct); return 0; }, Ct);

        for (var i = 0; i < 3; i++)
        {
            await hosts.Member(i).WaitForCommitAsync(leader.CommitPosition, Ct);
            var entry = await CheckAsync(hosts, i);
            var status = hosts.Member(i).GetStatus();

            Assert.Equal(HealthStatus.Healthy, entry.Status);
            Assert.Equal(i == leaderIndex ? "Leader" : "Follower", entry.Data["role"]);
            Assert.Equal(hosts.EndPoints[leaderIndex], entry.Data["leader"]);
            Assert.True((long)entry.Data["term"] >= 1);
            Assert.True((long)entry.Data["applied_index"] >= 1);
            Assert.Equal((long)entry.Data["commit_index"] - (long)entry.Data["applied_index"], (long)entry.Data["lag"]);
            Assert.True(status.AppliedIndex >= (long)entry.Data["applied_index"]);
        }
    }

    [Fact]
    public async Task A_member_without_a_reachable_majority_knows_no_leader_and_is_degraded()
    {
        // One member of three started: it stands for election again and again and never wins.
        await using var hosts = ReplicaHosts.Build(1, (i, services) => services.AddHealthChecks().AddKeyedReplicatedFluxMap<string, long>(ReplicaHosts.Name(i)), members: 3);
        await hosts.StartAsync();

        var entry = await CheckAsync(hosts, 0);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("The member 'm0' knows no leader: an election is under way or a majority of members is unreachable.", entry.Description);
        Assert.Equal("Candidate", entry.Data["role"]);
        Assert.Equal("", entry.Data["leader"]);
    }

    [Fact]
    public async Task A_member_not_started_or_closed_is_unhealthy()
    {
        await using var hosts = ReplicaHosts.Build(1, (i, services) => services.AddHealthChecks().AddKeyedReplicatedFluxMap<string, long>(ReplicaHosts.Name(i)), members: 3);

        var beforeStart = await CheckAsync(hosts, 0);
        await hosts.StartAsync();
        await hosts.Hosts[0].StopAsync(Ct);
        var afterStop = await CheckAsync(hosts, 0);

        Assert.Equal(HealthStatus.Unhealthy, beforeStart.Status);
        Assert.Equal("The replicated database 'm0' has not joined its cluster: the host has not started.", beforeStart.Description);
        Assert.Equal(HealthStatus.Unhealthy, afterStop.Status);
        Assert.Equal("The member 'm0' left its cluster and closed.", afterStop.Description);
        Assert.Equal("Closed", afterStop.Data["role"]);
    }

    [Theory]
    [InlineData(10, 10, "Healthy")]
    [InlineData(11, 10, "Degraded")]
    public void A_member_further_behind_the_commit_index_than_allowed_is_degraded(long lag, long maxLag, string expected)
    {
        var status = new ReplicationStatus(ReplicaRole.Follower, term: 3, commitIndex: 100 + lag, appliedIndex: 100, leader: "127.0.0.1:3262");

        var result = ReplicatedFluxMapHealthCheck<string, long>.Assess("m1", status, database: null, maxLag, HealthStatus.Unhealthy);

        Assert.Equal(Enum.Parse<HealthStatus>(expected), result.Status);
        Assert.Equal(lag, result.Data["lag"]);
        if (result.Status == HealthStatus.Degraded)
        {
            Assert.Equal($"The member 'm1' is {lag} committed log entries behind (more than {maxLag}).", result.Description);
        }
    }

    [Fact]
    public async Task A_check_of_a_member_that_is_not_registered_says_how_to_register_it()
    {
        var services = new ServiceCollection();
        services.AddLogging().AddHealthChecks().AddKeyedReplicatedFluxMap<string, long>("orders");
        await using var provider = services.BuildServiceProvider();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct));

        Assert.Equal("The health check 'fluxmap-replication-orders' needs a ReplicatedFluxDatabase<string, long> registered with AddKeyedReplicatedFluxMap under 'orders'.", e.Message);
    }

    private static async Task<HealthReportEntry> CheckAsync(ReplicaHosts hosts, int index) =>
        (await hosts.Hosts[index].Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct)).Entries[$"fluxmap-replication-{ReplicaHosts.Name(index)}"];
}

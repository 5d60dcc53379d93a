using FluxMap.Replication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FluxMap.Cluster.Tests;

/// <summary>Members registered with AddReplicatedFluxMap: configuration binding, validation at start, the hosted member's lifetime.</summary>
[Trait("Category", "Cluster")]
public sealed class ReplicationHostingTests
{
    private static CancellationToken Ct => TestCluster.Ct;

    [Fact]
    public async Task Members_bind_from_a_configuration_array_and_each_host_runs_a_member_of_one_cluster()
    {
        await using var hosts = ReplicaHosts.Build(3);
        var options = hosts.Hosts[1].Services.GetRequiredService<IOptionsMonitor<ReplicationOptions>>().Get(ReplicaHosts.Name(1));
        var database = hosts.Hosts[1].Services.GetRequiredService<IOptionsMonitor<FluxMapOptions>>().Get(ReplicaHosts.Name(1));

        Assert.Equal(hosts.EndPoints, options.Members);
        Assert.Equal(hosts.EndPoints[1], options.LocalEndPoint);
        Assert.Equal(TimeSpan.FromMilliseconds(600), options.LowerElectionTimeout);
        Assert.Equal(hosts.PathOf("m1/raft"), options.LogDirectory);
        Assert.Equal(hosts.PathOf("m1/data"), database.DataDirectory);
        Assert.Equal(DurabilityMode.Full, database.Durability);

        await hosts.StartAsync();
        var leader = hosts.Member(await hosts.LeaderAsync());
        await leader.TransactionAsync(async (tx, ct) => { await tx.InsertAsync("alice", 100, ct); return 0; }, Ct);
        foreach (var i in Enumerable.Range(0, 3))
        {
            var member = hosts.Member(i);
            await member.WaitForCommitAsync(leader.CommitPosition, Ct);
            Assert.Equal(100, await member.ReadAsync(async (tx, ct) => (await tx.GetAsync("alice", ct)).Value, Ct));
        }

        var stopped = hosts.Member(0);
        await hosts.Hosts[0].StopAsync(Ct);
        Assert.Equal(ReplicaRole.Closed, stopped.GetStatus().Role);
        Assert.Throws<ObjectDisposedException>(() => stopped.VisiblePosition);
    }

    [Fact]
    public async Task Invalid_replication_settings_stop_the_host_from_starting_and_name_every_problem()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FluxMap:DataDirectory"] = "data",
            ["FluxMap:Replication:LocalEndPoint"] = "localhost",
            ["FluxMap:Replication:Members:0"] = "127.0.0.1:3262",
            ["FluxMap:Replication:Members:1"] = "127.0.0.1:3262",
        });
        builder.Services.AddReplicatedFluxMap<string, long>(builder.Configuration.GetSection("FluxMap"));
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Equal(typeof(ReplicationOptions), e.OptionsType);
        Assert.Equal(
            [
                "LocalEndPoint 'localhost' is not an IP address with a port (for example 127.0.0.1:3262).",
                "Member '127.0.0.1:3262' is listed twice.",
                "LogDirectory is required: the Raft log and its snapshots live there.",
            ],
            e.Failures);
        Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<ReplicatedFluxDatabase<string, long>>());
    }

    [Fact]
    public async Task A_misspelt_replication_setting_stops_the_host_from_starting()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FluxMap:DataDirectory"] = "data",
            ["FluxMap:Replication:LocalEndpiont"] = "127.0.0.1:3262",
        });
        builder.Services.AddReplicatedFluxMap<string, long>(builder.Configuration.GetSection("FluxMap"));
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("'LocalEndpiont'", e.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ReplicationOptions), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_database_of_one_name_is_refused_whether_local_or_replicated()
    {
        var configuration = new ConfigurationBuilder().Build();
        var local = new ServiceCollection().AddFluxMap<string, long>(configuration);
        var replicated = new ServiceCollection().AddKeyedReplicatedFluxMap<string, long>("orders", configuration);

        var overLocal = Assert.Throws<InvalidOperationException>(() => local.AddReplicatedFluxMap<string, long>(configuration));
        var overReplicated = Assert.Throws<InvalidOperationException>(() => replicated.AddKeyedReplicatedFluxMap<string, long>("orders", configuration));
        var localOverReplicated = Assert.Throws<InvalidOperationException>(() => replicated.AddKeyedFluxMap<string, long>("orders", _ => { }));

        Assert.Equal("A FluxMap database without a key is already registered (by AddFluxMap); register further databases under a name (AddKeyedFluxMap, AddKeyedReplicatedFluxMap).", overLocal.Message);
        Assert.Equal("A FluxMap database named 'orders' is already registered (by AddKeyedReplicatedFluxMap); one name stands for one database in a host, its options, logs and metrics.", overReplicated.Message);
        Assert.Equal(overReplicated.Message, localOverReplicated.Message);
    }
}

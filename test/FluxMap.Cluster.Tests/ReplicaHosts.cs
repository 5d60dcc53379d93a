using FluxMap.Replication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Generic hosts, each running one member registered with <c>AddKeyedReplicatedFluxMap</c> from
/// in-memory configuration (the "FluxMap" section, replication under "FluxMap:Replication"), on
/// free loopback ports with directories of their own.
/// </summary>
internal sealed class ReplicaHosts : IAsyncDisposable
{
    private readonly TempDirectory _root = new();

    private ReplicaHosts(int size) => EndPoints = LoopbackPort.FreeEndPoints(size);

    internal string[] EndPoints { get; }

    internal List<IHost> Hosts { get; } = [];

    /// <summary>Builds <paramref name="size"/> hosts (not started); <paramref name="configure"/> adds services to each.</summary>
    internal static ReplicaHosts Build(int size, Action<int, IServiceCollection>? configure = null, int? members = null)
    {
        var hosts = new ReplicaHosts(members ?? size);
        for (var i = 0; i < size; i++)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = hosts._root.Path });
            builder.Configuration.AddInMemoryCollection(hosts.Settings(i));
            builder.Services.AddKeyedReplicatedFluxMap<string, long>(Name(i), builder.Configuration.GetSection("FluxMap"));
            configure?.Invoke(i, builder.Services);
            hosts.Hosts.Add(builder.Build());
        }

        return hosts;
    }

    /// <summary>The member's name, its service key and the tag of its measurements.</summary>
    internal static string Name(int index) => $"m{index}";

    internal Dictionary<string, string?> Settings(int index)
    {
        var settings = new Dictionary<string, string?>
        {
            // Relative: resolved against the content root, as an appsettings.json would be.
            ["FluxMap:DataDirectory"] = $"m{index}/data",
            ["FluxMap:Replication:LocalEndPoint"] = EndPoints[index],
            ["FluxMap:Replication:LogDirectory"] = $"m{index}/raft",

            // A loaded two-core machine runs three members and the test: elections must not fire on a slow heartbeat.
            ["FluxMap:Replication:LowerElectionTimeout"] = "00:00:00.600",
            ["FluxMap:Replication:UpperElectionTimeout"] = "00:00:01.200",
            ["FluxMap:Replication:RequestTimeout"] = "00:00:00.500",
        };
        for (var m = 0; m < EndPoints.Length; m++)
        {
            settings[$"FluxMap:Replication:Members:{m}"] = EndPoints[m];
        }

        return settings;
    }

    internal string PathOf(string relative) => Path.Combine(_root.Path, relative);

    internal ReplicatedFluxDatabase<string, long> Member(int index) =>
        Hosts[index].Services.GetRequiredKeyedService<ReplicatedFluxDatabase<string, long>>(Name(index));

    internal Task StartAsync() => Task.WhenAll(Hosts.Select(h => h.StartAsync(TestCluster.Ct)));

    /// <summary>Waits until every member knows the leader, and returns the leader's index.</summary>
    internal async Task<int> LeaderAsync()
    {
        await Task.WhenAll(Enumerable.Range(0, Hosts.Count).Select(i => Member(i).WaitForLeaderAsync(TestCluster.Ct).AsTask()));
        return Enumerable.Range(0, Hosts.Count).Single(i => Member(i).IsLeader);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts)
        {
            await host.StopAsync(CancellationToken.None);
            await ((IAsyncDisposable)host).DisposeAsync();
        }

        _root.Dispose();
    }
}

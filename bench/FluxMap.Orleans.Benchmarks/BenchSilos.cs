using System.Net;
using FluxMap.Replication;
using FluxMap.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FluxMap.Orleans.Benchmarks;

/// <summary>
/// The silos the benchmark calls grains on, each with FluxMap grain storage, Orleans' in-memory
/// storage and transactions: one silo over a local FluxMap, or two silos over one replicated
/// FluxMap, each hosting one of three Raft members on loopback, the third running beside them in
/// this process (as test/FluxMap.Orleans.Tests' ReplicatedSilos does).
/// </summary>
internal sealed class BenchSilos : IAsyncDisposable
{
    private readonly IHost[] _hosts;
    private ReplicatedFluxDatabase<string, byte[]>? _outsideMember;

    private BenchSilos(IHost[] hosts) => _hosts = hosts;

    /// <summary>Gets the silos' hosts, the primary silo first.</summary>
    internal IReadOnlyList<IHost> Hosts => _hosts;

    /// <summary>Gets the Raft state as the member outside the silos sees it (its commit index trails the leader's by a heartbeat at most); null over a local FluxMap.</summary>
    internal ReplicationStatus? RaftStatus => _outsideMember?.GetStatus();

    /// <summary>Starts one silo over a local FluxMap in <paramref name="directory"/>.</summary>
    internal static Task<BenchSilos> StartLocalAsync(DurabilityMode durability, string directory) =>
        StartAsync(new BenchSilos([Silo(silo => silo
            .UseLocalhostClustering()
            .AddFluxMapGrainStorage(Providers.FluxMap, options =>
            {
                options.Database.Durability = durability;
                options.Database.DataDirectory = durability == DurabilityMode.InMemory ? null : directory;
            }))]));

    /// <summary>
    /// Starts two silos over one replicated FluxMap under <paramref name="directory"/>, its three
    /// members with the default replication options, and waits until the member outside the silos knows the leader.
    /// </summary>
    internal static async Task<BenchSilos> StartReplicatedAsync(string directory)
    {
        // Three Raft members, then each silo's silo and gateway port.
        var endPoints = LoopbackPort.FreeEndPoints(7);
        var raft = endPoints[..3];
        var orleans = endPoints[3..].Select(IPEndPoint.Parse).ToArray();
        var silos = new BenchSilos([.. Enumerable.Range(0, 2).Select(i => Silo(silo => silo
            .UseLocalhostClustering(orleans[2 * i].Port, orleans[(2 * i) + 1].Port, i == 0 ? null : orleans[0])
            .AddReplicatedFluxMapGrainStorage(Providers.FluxMap, Section(raft, i, directory))))]);

        // A silo does not wait for a Raft majority to start: the members come up together.
        var outsideSection = Section(raft, 2, directory);
        var outside = ReplicatedFluxDatabase.OpenAsync<string, byte[]>(
            outsideSection.GetSection("Replication").Get<ReplicationOptions>()!,
            b => b.WithOptions(new FluxMapOptions { DataDirectory = outsideSection["DataDirectory"] })).AsTask();
        await StartAsync(silos, outside);
        await silos._outsideMember!.WaitForLeaderAsync();
        return silos;
    }

    /// <summary>How many of the benchmark's grains each silo runs, as Orleans' management grain counts them.</summary>
    internal async Task<string> GrainsPerSiloAsync()
    {
        var management = _hosts[0].Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        var ours = typeof(BenchSilos).Namespace!;
        return string.Join(", ", statistics
            .Where(s => s.GrainType.StartsWith(ours, StringComparison.Ordinal))
            .GroupBy(s => s.SiloAddress)
            .Select(g => $"{g.Key.Endpoint}: {g.Sum(s => s.ActivationCount)}"));
    }

    public async ValueTask DisposeAsync()
    {
        // The primary silo keeps the development membership: it stops last.
        foreach (var host in _hosts.Reverse())
        {
            await host.StopAsync();
            host.Dispose();
        }

        if (_outsideMember is not null)
        {
            await _outsideMember.DisposeAsync();
        }
    }

    private static async Task<BenchSilos> StartAsync(BenchSilos silos, Task<ReplicatedFluxDatabase<string, byte[]>>? outside = null)
    {
        try
        {
            await Task.WhenAll(silos._hosts.Select(h => h.StartAsync()).Append(outside ?? Task.CompletedTask));
            silos._outsideMember = outside is null ? null : await outside;
            return silos;
        }
        catch
        {
            // Kept when only the silos failed, so that disposing closes it.
            silos._outsideMember = outside is { IsCompletedSuccessfully: true } ? await outside : null;
            await silos.DisposeAsync();
            throw;
        }
    }

    private static IHost Silo(Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // Members starting together find each other unavailable for a moment, a warning each time;
        // an election during a measurement shows in its row.
        builder.Logging.AddFilter("DotNext", LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            configure(silo);
            silo.AddMemoryGrainStorage(Providers.Memory).UseTransactions();
        });
        return builder.Build();
    }

    /// <summary>Member <paramref name="index"/>'s settings as AddReplicatedFluxMapGrainStorage binds them, the default replication options but for where it is.</summary>
    private static IConfiguration Section(string[] endPoints, int index, string directory)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataDirectory"] = Path.Combine(directory, $"m{index}", "data"),
            ["Replication:LocalEndPoint"] = endPoints[index],
            ["Replication:LogDirectory"] = Path.Combine(directory, $"m{index}", "raft"),
        };
        for (var i = 0; i < endPoints.Length; i++)
        {
            settings[$"Replication:Members:{i}"] = endPoints[i];
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using FluxMap.Grains;
using FluxMap.Replication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// Two silos over one replicated FluxMap: Silo_0 and Silo_1 each host member 0 and 1 of a
/// three-member Raft cluster, bound from the silo's configuration by
/// <c>AddReplicatedFluxMapGrainStorage</c>; member 2 runs in the test. Orleans transactions are on.
/// Directories in one temp directory.
/// </summary>
internal sealed class ReplicatedSilos : IAsyncDisposable
{
    /// <summary>The configuration section the silos bind their grain storage from.</summary>
    internal const string Section = "GrainStorage";

    private static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(1);

    private readonly TempDirectory _root = new();
    private readonly string[] _endPoints = LoopbackPort.FreeEndPoints(3);
    private readonly ConcurrentDictionary<string, ReplicatedFluxDatabase<string, byte[]>> _siloMembers = new();
    private ReplicatedFluxDatabase<string, byte[]>? _testMember;

    private ReplicatedSilos(Action<string, IDictionary<string, string?>>? editConfiguration)
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSiloHost((options, host) =>
        {
            var settings = Configuration(Index(options.SiloName));
            editConfiguration?.Invoke(options.SiloName, settings);
            host.Configuration.AddInMemoryCollection(settings);
        });
        builder.ConfigureSilo((_, silo) => silo.AddReplicatedFluxMapGrainStorage(GrainStorageFixture.Provider, silo.Configuration.GetSection(Section)));
        AddTransactions(builder);

        // A call the killed silo took with it is answered by no one: the client gives up on it after this rather than Orleans' 30 s.
        builder.ConfigureClient(client => client.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(8)));
        Cluster = builder.Build();
    }

    internal InProcessTestCluster Cluster { get; }

    /// <summary>Gets the member that runs in the test process (member 2).</summary>
    internal ReplicatedFluxDatabase<string, byte[]> TestMember => _testMember ?? throw new InvalidOperationException("The silos have not started.");

    /// <summary>Gets every member: the silos' and the test's.</summary>
    internal IEnumerable<ReplicatedFluxDatabase<string, byte[]>> Members => _siloMembers.Values.Append(TestMember);

    /// <summary>Starts both silos and the test's member; <paramref name="editConfiguration"/> may change a silo's settings (keys under <see cref="Section"/>) first.</summary>
    internal static async Task<ReplicatedSilos> StartAsync(Action<string, IDictionary<string, string?>>? editConfiguration = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var silos = new ReplicatedSilos(editConfiguration);
            try
            {
                await silos.StartAsync();
                return silos;
            }
            catch (Exception e) when (attempt < 3 && PortTaken(e))
            {
                // A port found free was taken before its member bound it (by any process's outgoing
                // connection on this shared machine): start again on other ports.
                await silos.DisposeAsync();
            }
            catch
            {
                await silos.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>The member <paramref name="silo"/> hosts (still there once the silo stopped, closed).</summary>
    internal ReplicatedFluxDatabase<string, byte[]> MemberOf(InProcessSiloHandle silo) => _siloMembers[silo.Name];

    /// <summary>The silo <paramref name="address"/> names, among the running ones.</summary>
    internal InProcessSiloHandle Silo(SiloAddress address) => Cluster.Silos.Single(s => s.SiloAddress.Equals(address));

    /// <summary>The silo the grain's activation runs on, or null while it has none.</summary>
    internal SiloAddress? HostOf(IAddressable grain) =>
        Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) ? context.Address.SiloAddress : null;

    /// <summary>
    /// Gives the grain a new activation on <paramref name="silo"/>, which loads its state through
    /// that silo's storage, even when it runs there already.
    /// </summary>
    internal async Task ReactivateOnAsync(IAddressable grain, SiloAddress silo)
    {
        if (silo.Equals(HostOf(grain)))
        {
            // Orleans does not migrate a grain to the silo it runs on: move it away first.
            await Cluster.MigrateAsync(grain, Cluster.Silos.First(s => !s.SiloAddress.Equals(silo)).SiloAddress);
        }

        await Cluster.MigrateAsync(grain, silo);
    }

    /// <summary>
    /// Makes <paramref name="call"/> with a placement hint: a grain it activates is placed on
    /// <paramref name="silo"/>. The hint lives in this method's request context only.
    /// </summary>
    internal static async Task<T> PlacedOn<T>(SiloAddress silo, Func<Task<T>> call)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        return await call();
    }

    /// <inheritdoc cref="PlacedOn{T}(SiloAddress, Func{Task{T}})"/>
    internal static Task PlacedOn(SiloAddress silo, Func<Task> call) => PlacedOn(silo, async () =>
    {
        await call();
        return true;
    });

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (_testMember is not null)
        {
            await _testMember.DisposeAsync();
        }

        _root.Dispose();
    }

    private static bool PortTaken(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    private static int Index(string siloName) => int.Parse(siloName["Silo_".Length..], CultureInfo.InvariantCulture);

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private string LogDirectory(int index) => Path.Combine(_root.Path, $"m{index}", "raft");

    private string DataDirectory(int index) => Path.Combine(_root.Path, $"m{index}", "data");

    /// <summary>Member <paramref name="index"/>'s settings as a silo's configuration holds them.</summary>
    private Dictionary<string, string?> Configuration(int index)
    {
        var replication = TestReplicationOptions.Member(_endPoints, index, LogDirectory(index));
        var settings = new Dictionary<string, string?>
        {
            [$"{Section}:DataDirectory"] = DataDirectory(index),
            [$"{Section}:RetryBaseDelay"] = Text(RetryBaseDelay),
            [$"{Section}:Replication:LocalEndPoint"] = replication.LocalEndPoint,
            [$"{Section}:Replication:LogDirectory"] = replication.LogDirectory,
            [$"{Section}:Replication:LowerElectionTimeout"] = Text(replication.LowerElectionTimeout),
            [$"{Section}:Replication:UpperElectionTimeout"] = Text(replication.UpperElectionTimeout),
            [$"{Section}:Replication:RequestTimeout"] = Text(replication.RequestTimeout),
        };
        for (var i = 0; i < replication.Members.Count; i++)
        {
            settings[$"{Section}:Replication:Members:{i}"] = replication.Members[i];
        }

        return settings;
    }

    private async Task StartAsync()
    {
        // A silo does not wait for a Raft majority to start: members and silos come up together.
        var testMember = OpenTestMemberAsync();
        try
        {
            await Task.WhenAll(testMember, Cluster.DeployAsync());
        }
        finally
        {
            // Kept even when the silos failed to start, so that disposing closes it.
            if (testMember.IsCompletedSuccessfully)
            {
                _testMember = await testMember;
            }
        }
        foreach (var silo in Cluster.Silos)
        {
            var database = silo.ServiceProvider.GetRequiredKeyedService<FluxGrainDatabaseHost>(GrainStorageFixture.Provider).Database;
            _siloMembers[silo.Name] = ((ReplicatedGrainDatabase)database).Member;
        }

        await Task.WhenAll(Members.Select(m => m.WaitForLeaderAsync(Ct).AsTask()));
    }

    private async Task<ReplicatedFluxDatabase<string, byte[]>> OpenTestMemberAsync() =>
        await ReplicatedFluxDatabase.OpenAsync<string, byte[]>(
            TestReplicationOptions.Member(_endPoints, 2, LogDirectory(2)),
            b => b.WithOptions(new FluxMapOptions { DataDirectory = DataDirectory(2), RetryBaseDelay = RetryBaseDelay }),
            null,
            Ct);
}

using System.Collections.Concurrent;
using FluxMap.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// Two silos over one replicated FluxMap: each silo hosts a member of a three-member Raft cluster
/// (the third runs in the test), so a grain may activate on either silo and finds its state.
/// </summary>
public sealed class ReplicatedSiloTests
{
    [Fact]
    public async Task AGrainMovedToAnotherSiloStartsFromItsLastAcknowledgedState()
    {
        await using var silos = await ReplicatedSilos.StartAsync();
        var grain = silos.Cluster.Client.GetGrain<INoteGrain>("mover");
        await grain.Save(new Note { Text = "first" });
        await grain.Save(new Note { Text = "last" });
        var host = await grain.Silo();

        await silos.Cluster.StopSiloAsync(silos.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)), Ct);

        Assert.NotEqual(host, await grain.Silo());
        Assert.Equal("last", (await grain.Load()).Text);
        await grain.Save(new Note { Text = "after the move" });
        Assert.Equal("after the move", (await grain.Load()).Text);
    }

    [Fact]
    public async Task AStaleETagIsRefusedAcrossSilos()
    {
        await using var silos = await ReplicatedSilos.StartAsync();
        var (first, second) = (silos.Cluster.Storage(silos.Cluster.Silos[0]), silos.Cluster.Storage(silos.Cluster.Silos[1]));
        var grain = GrainId.Create("note", "contested");
        await first.WriteStateAsync("note", grain, new GrainState<Note>(new Note { Text = "seed" }), Ct);
        var onFirst = new GrainState<Note>();
        var onSecond = new GrainState<Note>();
        await first.ReadStateAsync("note", grain, onFirst, Ct);
        await second.ReadStateAsync("note", grain, onSecond, Ct);
        Assert.Equal(onFirst.ETag, onSecond.ETag);

        onFirst.State = new Note { Text = "from the first silo" };
        await first.WriteStateAsync("note", grain, onFirst, Ct);
        onSecond.State = new Note { Text = "from the second silo" };
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync("note", grain, onSecond, Ct));

        Assert.Equal(onFirst.ETag, refused.StoredEtag);
        var read = new GrainState<Note>();
        await second.ReadStateAsync("note", grain, read, Ct);
        Assert.Equal(("from the first silo", onFirst.ETag), (read.State!.Text, read.ETag));
    }

    /// <summary>Silo_0 and Silo_1 host members 0 and 1 in their provider; member 2 runs in the test. Directories in one temp directory.</summary>
    private sealed class ReplicatedSilos : IAsyncDisposable
    {
        private readonly TempDirectory _root = new();
        private readonly string[] _endPoints = LoopbackPort.FreeEndPoints(3);
        private readonly ConcurrentDictionary<string, ReplicatedGrainDatabase> _silosMembers = new();
        private ReplicatedFluxDatabase<string, byte[]>? _testMember;

        private ReplicatedSilos()
        {
            var builder = new InProcessTestClusterBuilder(2);
            builder.ConfigureSilo((options, silo) => silo.AddFluxMapGrainStorage(GrainStorageFixture.Provider, storage =>
                storage.OpenDatabase = async (services, _, ct) =>
                {
                    var member = new ReplicatedGrainDatabase(await OpenMemberAsync(
                        int.Parse(options.SiloName["Silo_".Length..], System.Globalization.CultureInfo.InvariantCulture),
                        services.GetService<ILoggerFactory>(),
                        ct));
                    _silosMembers[options.SiloName] = member;
                    return member;
                }));
            Cluster = builder.Build();
        }

        internal InProcessTestCluster Cluster { get; }

        internal static async Task<ReplicatedSilos> StartAsync()
        {
            var silos = new ReplicatedSilos();
            try
            {
                // A silo does not wait for a Raft majority to start: members and silos come up together.
                var testMember = silos.OpenMemberAsync(2, null, Ct);
                await silos.Cluster.DeployAsync();
                silos._testMember = await testMember;
                await Task.WhenAll(silos._silosMembers.Values.Select(m => m.Member).Append(silos._testMember).Select(m => m.WaitForLeaderAsync(Ct).AsTask()));
                return silos;
            }
            catch
            {
                await silos.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Cluster.DisposeAsync();
            if (_testMember is not null)
            {
                await _testMember.DisposeAsync();
            }

            _root.Dispose();
        }

        private async Task<ReplicatedFluxDatabase<string, byte[]>> OpenMemberAsync(int index, ILoggerFactory? loggerFactory, CancellationToken cancellationToken) =>
            await ReplicatedFluxDatabase.OpenAsync<string, byte[]>(
                TestReplicationOptions.Member(_endPoints, index, Path.Combine(_root.Path, $"m{index}", "raft")),
                b => b.WithOptions(new FluxMapOptions { DataDirectory = Path.Combine(_root.Path, $"m{index}", "data"), RetryBaseDelay = TimeSpan.FromMilliseconds(1) }),
                loggerFactory,
                cancellationToken);
    }
}

using FluxMap.Replication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// <c>AddReplicatedFluxMapGrainStorage</c>: silos bind their member of the replicated store from
/// configuration, and a bad setting stops the silo from starting, naming the key.
/// </summary>
[Collection(nameof(ReplicatedClusters))]
public sealed class ReplicatedConfigurationTests
{
    [Fact]
    public async Task TwoSilosBindTheirMembersFromConfigurationAndShareOneStore()
    {
        await using var silos = await ReplicatedSilos.StartAsync();

        var bound = silos.Cluster.Silos.Select(silo => (
            Replication: silo.ServiceProvider.GetRequiredService<IOptionsMonitor<ReplicationOptions>>().Get(GrainStorageFixture.Provider),
            Database: silo.ServiceProvider.GetRequiredService<IOptionsMonitor<FluxMapOptions>>().Get(GrainStorageFixture.Provider))).ToList();
        Assert.All(bound, b =>
        {
            Assert.Equal(3, b.Replication.Members.Count);
            Assert.Contains(b.Replication.LocalEndPoint, b.Replication.Members);
            Assert.Equal(TimeSpan.FromMilliseconds(600), b.Replication.LowerElectionTimeout);
            Assert.Equal((DurabilityMode.Full, true, TimeSpan.FromMilliseconds(1)), (b.Database.Durability, b.Database.UseDataFile, b.Database.RetryBaseDelay));
        });
        Assert.Equal(2, bound.Select(b => b.Replication.LocalEndPoint).Distinct().Count());
        Assert.Equal(2, bound.Select(b => b.Database.DataDirectory).Distinct().Count());

        Assert.Single(silos.Members.Select(m => m.GetStatus().Leader).Distinct());
        var grain = GrainId.Create("note", "bound");
        await silos.Cluster.Storage(silos.Cluster.Silos[0]).WriteStateAsync("note", grain, new GrainState<Note>(new Note { Text = "through Silo_0" }), Ct);
        var read = new GrainState<Note>();
        await silos.Cluster.Storage(silos.Cluster.Silos[1]).ReadStateAsync("note", grain, read, Ct);
        Assert.Equal("through Silo_0", read.State?.Text);
    }

    [Fact]
    public async Task AMisspeltKeyStopsTheSiloFromStartingAndIsNamed()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ReplicatedSilos.StartAsync((silo, settings) =>
        {
            if (silo == "Silo_1")
            {
                var key = $"{ReplicatedSilos.Section}:Replication:LogDirectory";
                settings[key + "y"] = settings[key];
                settings.Remove(key);
            }
        }));

        Assert.Contains("'LogDirectoryy'", refused.Message);
    }

    [Fact]
    public async Task AMissingLocalEndPointStopsTheSiloFromStartingAndIsNamed()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => ReplicatedSilos.StartAsync((silo, settings) =>
        {
            if (silo == "Silo_0")
            {
                settings.Remove($"{ReplicatedSilos.Section}:Replication:LocalEndPoint");
            }
        }));

        Assert.Contains("LocalEndPoint '' is not an IP address with a port", refused.Message);
    }
}

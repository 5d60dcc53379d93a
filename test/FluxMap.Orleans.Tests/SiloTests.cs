using FluxMap.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.Serializers;
using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>The provider across silo lifetimes: restarts, shutdowns mid-write, and clusters of several silos over local stores.</summary>
public sealed class SiloTests
{
    [Fact]
    public async Task StateSurvivesASiloRestartOnTheSameDirectory()
    {
        using var directory = new TempDirectory();
        await using (var cluster = await StartAsync(directory.Path))
        {
            await cluster.Client.GetGrain<INoteGrain>("survivor").Save(new Note { Text = "still here" });
        }

        await using (var cluster = await StartAsync(directory.Path))
        {
            Assert.Equal("still here", (await cluster.Client.GetGrain<INoteGrain>("survivor").Load()).Text);
        }
    }

    [Fact]
    public async Task ASecondSiloOverALocalStoreIsRefusedAndSaysWhy()
    {
        using var directory = new TempDirectory();
        await using var cluster = await StartAsync(directory.Path);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => cluster.StartAdditionalSiloAsync());

        var message = refused.ToString();
        Assert.Contains("database of this silo only", message);
        Assert.Contains(nameof(FluxMapGrainStorageOptions.AllowLocalStoreInCluster), message);
        await cluster.Client.GetGrain<INoteGrain>("first").Save(new Note { Text = "the first silo still serves" });
    }

    [Fact]
    public async Task TwoSilosOverLocalStoresStartWhenAllowedExplicitly()
    {
        using var directory = new TempDirectory();
        await using var cluster = await StartAsync(directory.Path, silos: 2, configure: (_, options) => options.AllowLocalStoreInCluster = true);

        var grains = Enumerable.Range(0, 8).Select(i => cluster.Client.GetGrain<INoteGrain>($"allowed-{i}")).ToList();
        await Task.WhenAll(grains.Select((g, i) => g.Save(new Note { Text = $"note {i}" })));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"note {i}"), (await Task.WhenAll(grains.Select(g => g.Load()))).Select(n => n.Text));
    }

    [Fact]
    public async Task ASiloOverALocalStoreStopsServingOnceAnotherSiloIsActive()
    {
        using var directory = new TempDirectory();

        // Only the second silo is allowed (the testing host names silos Silo_0, Silo_1, ...), so it starts; the first one sees it and refuses from then on.
        await using var cluster = await StartAsync(directory.Path, configure: (silo, options) => options.AllowLocalStoreInCluster = silo != "Silo_0");
        var first = cluster.Silos[0];
        await first.ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorageFixture.Provider).ReadStateAsync("note", GrainId.Create("x", "y"), new GrainState<Note>(), Ct);

        await cluster.StartAdditionalSiloAsync();
        await first.ServiceProvider.GetRequiredService<IClusterMembershipService>().Refresh(cancellationToken: Ct);

        var refused = await Assert.ThrowsAsync<OrleansConfigurationException>(() =>
            cluster.Storage(first).ReadStateAsync("note", GrainId.Create("x", "y"), new GrainState<Note>(), Ct));
        Assert.Contains("database of this silo only", refused.Message);
    }

    [Fact]
    public async Task ShuttingTheStoreDownMidWriteLeavesEachStateOldOrNew()
    {
        using var directory = new TempDirectory();
        await using var cluster = await StartAsync(directory.Path);
        var services = cluster.Silos[0].ServiceProvider;
        var options = new FluxMapGrainStorageOptions
        {
            Database = new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = Path.Combine(directory.Path, "midwrite") },
            AllowLocalStoreInCluster = true,
        };
        FluxMapGrainStorage Storage(FluxGrainDatabaseHost host) => new(host, services.GetRequiredService<IGrainStorageSerializer>(), services.GetRequiredService<IActivatorProvider>());
        var grains = Enumerable.Range(0, 64).Select(i => GrainId.Create("midwrite", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var states = grains.Select(_ => new GrainState<Note>(new Note { Text = "new" })).ToList();

        var host = new FluxGrainDatabaseHost("midwrite", options, services);
        await host.OpenAsync(Ct);
        var storage = Storage(host);
        var writes = grains.Select((g, i) => Task.Run(() => storage.WriteStateAsync("note", g, states[i], Ct), Ct)).ToList();
        await Task.WhenAny(writes);
        await host.CloseAsync(Ct);
        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                await w;
                return true;
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
            {
                return false;
            }
        }));

        await using var reopened = new FluxGrainDatabaseHost("midwrite", options, services);
        await reopened.OpenAsync(Ct);
        var reader = Storage(reopened);
        Assert.Contains(true, outcomes);
        for (var i = 0; i < grains.Count; i++)
        {
            var read = new GrainState<Note>();
            await reader.ReadStateAsync("note", grains[i], read, Ct);
            if (outcomes[i])
            {
                Assert.Equal(("new", states[i].ETag), (read.State!.Text, read.ETag));
            }
            else
            {
                Assert.True(!read.RecordExists || read.State!.Text == "new", $"grain {i} holds '{read.State!.Text}'");
            }
        }
    }

    [Fact]
    public async Task AMissingDataDirectoryStopsTheSiloNamingTheSetting()
    {
        using var directory = new TempDirectory();
        await using var cluster = Build(directory.Path, configure: (_, options) => options.Database.DataDirectory = null);

        var refused = await Assert.ThrowsAnyAsync<Exception>(cluster.DeployAsync);

        Assert.Contains("Database.DataDirectory is required", refused.ToString());
    }
}

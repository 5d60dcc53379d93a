using FluxMap.Replication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Transactions.Abstractions;

namespace FluxMap.Orleans.Tests;

/// <summary>What AddFluxMapGrainStorage registers, without starting a silo.</summary>
public sealed class RegistrationTests
{
    private static IHost Build(Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            configure(silo);
        });
        return builder.Build();
    }

    [Theory]
    [InlineData(nameof(FluxMapSiloBuilderExtensions.AddFluxMapGrainStorage), nameof(FluxMapSiloBuilderExtensions.AddFluxMapGrainStorage))]
    [InlineData(nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage), nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage))]
    [InlineData(nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage), nameof(ReplicatedFluxMapServiceCollectionExtensions.AddKeyedReplicatedFluxMap))]
    [InlineData(nameof(ReplicatedFluxMapServiceCollectionExtensions.AddKeyedReplicatedFluxMap), nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage))]
    [InlineData(nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage), nameof(FluxMapServiceCollectionExtensions.AddKeyedFluxMap))]
    [InlineData(nameof(FluxMapSiloBuilderExtensions.AddFluxMapGrainStorage), nameof(FluxMapServiceCollectionExtensions.AddKeyedFluxMap))]
    [InlineData(nameof(FluxMapServiceCollectionExtensions.AddKeyedFluxMap), nameof(FluxMapSiloBuilderExtensions.AddFluxMapGrainStorage))]
    [InlineData(nameof(FluxMapSiloBuilderExtensions.AddFluxMapGrainStorage), nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage))]
    public void ANameTakenByOneDatabaseIsRefusedToAnother(string first, string second)
    {
        var builder = Host.CreateApplicationBuilder();
        Register(builder, first, "shared");

        var error = Assert.Throws<InvalidOperationException>(() => Register(builder, second, "shared"));

        Assert.Equal(
            $"A FluxMap database named 'shared' is already registered (by {first}); one name stands for one database in a host, its options, logs and metrics.",
            error.Message);
    }

    [Fact]
    public void DatabasesOfDistinctNamesShareAHost()
    {
        var builder = Host.CreateApplicationBuilder();
        Register(builder, nameof(FluxMapSiloBuilderExtensions.AddFluxMapGrainStorage), "grains");
        Register(builder, nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage), "shared-grains");
        Register(builder, nameof(FluxMapServiceCollectionExtensions.AddKeyedFluxMap), "orders");
        Register(builder, nameof(ReplicatedFluxMapServiceCollectionExtensions.AddKeyedReplicatedFluxMap), "stock");
        builder.Services.AddFluxMap<string, long>(_ => { });
        using var host = builder.Build();

        Assert.NotNull(host.Services.GetRequiredKeyedService<IGrainStorage>("grains"));
        Assert.NotNull(host.Services.GetRequiredKeyedService<IGrainStorage>("shared-grains"));
    }

    [Fact]
    public void OptionsBindFromConfigurationAndAnUnknownKeyIsAnError()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:DataDirectory"] = "data/grains",
            ["Database:Durability"] = "Relaxed",
            ["AllowLocalStoreInCluster"] = "true",
        }).Build();
        using var host = Build(silo => silo.AddFluxMapGrainStorage("bound", o => o.BindConfiguration(configuration)));

        var options = host.Services.GetRequiredService<IOptionsMonitor<FluxMapGrainStorageOptions>>().Get("bound");

        Assert.Equal(("data/grains", DurabilityMode.Relaxed, true), (options.Database.DataDirectory, options.Database.Durability, options.AllowLocalStoreInCluster));

        var typo = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Databse:DataDirectory"] = "x" }).Build();
        using var misspelt = Build(silo => silo.AddFluxMapGrainStorage("typo", o => o.BindConfiguration(typo)));
        Assert.Throws<InvalidOperationException>(() => misspelt.Services.GetRequiredService<IOptionsMonitor<FluxMapGrainStorageOptions>>().Get("typo"));
    }

    [Fact]
    public void OneNameServesBothGrainStorageAndTransactionalState()
    {
        using var host = Build(silo => silo.AddFluxMapGrainStorageAsDefault(o => o.Database.DataDirectory = "unused"));

        Assert.NotNull(host.Services.GetRequiredService<IGrainStorage>());
        Assert.Same(
            host.Services.GetRequiredKeyedService<ITransactionalStateStorageFactory>("Default"),
            host.Services.GetRequiredService<ITransactionalStateStorageFactory>());
    }

    [Fact]
    public void FluxMapExceptionsCrossOrleansToTheGrainsCaller()
    {
        using var host = Build(silo => silo.AddFluxMapGrainStorage("errors", o => o.Database.DataDirectory = "unused"));
        var serializer = host.Services.GetRequiredService<Serializer>();

        // How a grain's write that failed with an unknown outcome reaches its caller: Orleans wraps the storage's exception.
        var sent = new OrleansException("Error from storage provider", new CommitOutcomeUnknownException("The leader's answer never came."));
        var received = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(sent));

        var inner = Assert.IsType<CommitOutcomeUnknownException>(received?.InnerException);
        Assert.Equal("The leader's answer never came.", inner.Message);
        Assert.False(inner.IsTransient);
    }

    [Fact]
    public void TheReplicatedStoreBindsFromConfigurationAsTheDefault()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GrainStorage:DataDirectory"] = "data/grains",
            ["GrainStorage:Replication:LocalEndPoint"] = "127.0.0.1:3262",
            ["GrainStorage:Replication:Members:0"] = "127.0.0.1:3262",
            ["GrainStorage:Replication:Members:1"] = "127.0.0.1:3263",
            ["GrainStorage:Replication:LogDirectory"] = "data/raft",
        }).Build();
        using var host = Build(silo => silo.AddReplicatedFluxMapGrainStorageAsDefault(configuration.GetSection("GrainStorage")));

        var replication = host.Services.GetRequiredService<IOptionsMonitor<ReplicationOptions>>().Get("Default");
        var database = host.Services.GetRequiredService<IOptionsMonitor<FluxMapOptions>>().Get("Default");

        Assert.Equal("127.0.0.1:3262", replication.LocalEndPoint);
        Assert.Equal(["127.0.0.1:3262", "127.0.0.1:3263"], replication.Members);
        Assert.True(Path.IsPathRooted(replication.LogDirectory) && Path.IsPathRooted(database.DataDirectory), "relative directories are taken from the content root");
        Assert.NotNull(host.Services.GetRequiredService<IOptionsMonitor<FluxMapGrainStorageOptions>>().Get("Default").OpenDatabase);
        Assert.NotNull(host.Services.GetRequiredService<IGrainStorage>());
    }

    /// <summary>Registers a database named <paramref name="name"/> the way <paramref name="method"/> does, on the host or on its silo.</summary>
    private static void Register(HostApplicationBuilder builder, string method, string name)
    {
        var section = new ConfigurationBuilder().Build();
        switch (method)
        {
            case nameof(FluxMapSiloBuilderExtensions.AddFluxMapGrainStorage):
                builder.UseOrleans(silo => silo.UseLocalhostClustering().AddFluxMapGrainStorage(name, o => o.Database.DataDirectory = "unused"));
                break;
            case nameof(FluxMapSiloBuilderExtensions.AddReplicatedFluxMapGrainStorage):
                builder.UseOrleans(silo => silo.UseLocalhostClustering().AddReplicatedFluxMapGrainStorage(name, section));
                break;
            case nameof(FluxMapServiceCollectionExtensions.AddKeyedFluxMap):
                builder.Services.AddKeyedFluxMap<string, byte[]>(name, _ => { });
                break;
            case nameof(ReplicatedFluxMapServiceCollectionExtensions.AddKeyedReplicatedFluxMap):
                builder.Services.AddKeyedReplicatedFluxMap<string, byte[]>(name, section);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "No such registration.");
        }
    }
}

using FluxMap.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace FluxMap.Orleans.Tests;

/// <summary>Builds in-process Orleans clusters whose silos keep grain state in FluxMap, each silo in its own subdirectory.</summary>
internal static class TestClusters
{
    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(3);

    /// <summary>A cluster of <paramref name="silos"/> silos; <paramref name="configure"/> gets each silo's name and provider options.</summary>
    internal static InProcessTestCluster Build(
        string directory,
        short silos = 1,
        Action<string, FluxMapGrainStorageOptions>? configure = null,
        StoreFaultInjector? faults = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddFluxMapGrainStorage(GrainStorageFixture.Provider, storage =>
            {
                storage.Database.DataDirectory = Path.Combine(directory, options.SiloName);
                storage.Database.RetryBaseDelay = TimeSpan.Zero;
                configure?.Invoke(options.SiloName, storage);
            });
            silo.AddFluxMapGrainStorageAsDefault(storage =>
            {
                storage.Database = new FluxMapOptions { RetryBaseDelay = TimeSpan.Zero };
                configure?.Invoke(options.SiloName, storage);
            });
            if (faults is not null)
            {
                silo.Services.AddSingleton(faults);
            }
        });
        AddTransactions(builder);
        return builder.Build();
    }

    /// <summary>Orleans transactions on every silo and the client, with lock and prepare timeouts short enough for tests.</summary>
    internal static void AddTransactions(InProcessTestClusterBuilder builder)
    {
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseTransactions();

            // A transaction whose Store fails, or two transfers that lock each other's accounts, wait out these timeouts (8-20 s by default).
            silo.Services.Configure<TransactionalStateOptions>(transactions =>
            {
                transactions.LockTimeout = LockTimeout;
                transactions.LockAcquireTimeout = LockTimeout;
                transactions.PrepareTimeout = LockTimeout;
            });
        });
        builder.ConfigureClient(client => client.UseTransactions());
    }

    internal static async Task<InProcessTestCluster> StartAsync(string directory, short silos = 1, Action<string, FluxMapGrainStorageOptions>? configure = null)
    {
        var cluster = Build(directory, silos, configure);
        await cluster.DeployAsync();
        return cluster;
    }

    internal static IGrainStorage Storage(this InProcessTestCluster cluster, InProcessSiloHandle? silo = null) =>
        (silo ?? cluster.Silos[0]).ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorageFixture.Provider);
}

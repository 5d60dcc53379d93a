using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FluxMap.Caching.Tests;

/// <summary>A started generic host with the FluxMap cache registered, its database, and a handle on that database to look behind the cache.</summary>
internal sealed class CacheHost : IAsyncDisposable
{
    private CacheHost(IHost host) => Host = host;

    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    public IHost Host { get; }

    public IDistributedCache Cache => Host.Services.GetRequiredService<IDistributedCache>();

    public FluxHandle<string, byte[]> Database =>
        Host.Services.GetRequiredKeyedService<FluxHandle<string, byte[]>>(FluxMapDistributedCacheServiceCollectionExtensions.DatabaseName);

    public FluxDatabase<string, byte[]> Store =>
        Host.Services.GetRequiredKeyedService<FluxDatabase<string, byte[]>>(FluxMapDistributedCacheServiceCollectionExtensions.DatabaseName);

    /// <summary>Builds and starts a host; without a directory the cache is in memory, and without a clock it runs on the system's.</summary>
    internal static async Task<CacheHost> StartAsync(TimeProvider? clock = null, string? directory = null, Action<IServiceCollection>? services = null)
    {
        var host = Build(clock, directory, services);
        await host.StartAsync(Ct);
        return new CacheHost(host);
    }

    internal static IHost Build(TimeProvider? clock = null, string? directory = null, Action<IServiceCollection>? services = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddFluxMapDistributedCache(options =>
        {
            // The tests read expiry on the database's clock; a sweeper would only race them to delete.
            // A fake clock advanced by a day would also run every periodic service once per interval in it.
            (options.ExpirationSweepInterval, options.VacuumInterval) = (TimeSpan.Zero, TimeSpan.Zero);
            options.RetryBaseDelay = TimeSpan.Zero;
            if (directory is not null)
            {
                (options.Durability, options.DataDirectory, options.WriteBehindInterval) = (DurabilityMode.Relaxed, directory, TimeSpan.FromDays(1));
            }
        });
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }
}

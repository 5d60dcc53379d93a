using FluxMap;
using FluxMap.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a FluxMap database as the application's <see cref="IDistributedCache"/>.</summary>
/// <remarks>
/// The cache keeps its entries in a FluxMap database of its own (string keys, byte[] values),
/// registered as a hosted database under <see cref="DatabaseName"/>: it opens when the host starts
/// and closes when it stops, and calls before the start throw <see cref="InvalidOperationException"/>,
/// calls after the stop <see cref="ObjectDisposedException"/>. In a durable mode the entries
/// survive a restart with the rest of their time-to-live. The cache also implements
/// <see cref="IBufferDistributedCache"/>, which HybridCache uses as its second level without copying
/// values through arrays.
/// </remarks>
public static class FluxMapDistributedCacheServiceCollectionExtensions
{
    /// <summary>
    /// The service key and name of the cache's database: resolve
    /// <c>[FromKeyedServices(DatabaseName)] FluxDatabase&lt;string, byte[]&gt;</c> for its statistics, add
    /// <c>AddHealthChecks().AddKeyedFluxMap&lt;string, byte[]&gt;(DatabaseName)</c>, or configure its options by this name.
    /// </summary>
    public const string DatabaseName = "distributed-cache";

    /// <summary>Registers the cache with its database's options set in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the database's options (durability, data directory, memory limit, sweep interval).</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">The cache is already registered.</exception>
    public static IServiceCollection AddFluxMapDistributedCache(this IServiceCollection services, Action<FluxMapOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddCache(services.AddKeyedFluxMap<string, byte[]>(DatabaseName, configure));
    }

    /// <summary>Registers the cache with its database's options bound from a configuration section.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <see cref="FluxMapOptions"/>' properties; a key that names no option stops the host from starting.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">The cache is already registered.</exception>
    public static IServiceCollection AddFluxMapDistributedCache(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCache(services.AddKeyedFluxMap<string, byte[]>(DatabaseName, configuration));
    }

    private static IServiceCollection AddCache(IServiceCollection services)
    {
        // The cache builds a fresh array for every entry it stores and copies values out of what it
        // reads, so the database need not copy them too.
        services.PostConfigure<FluxMapOptions>(DatabaseName, options => options.AssumeImmutableValues = true);
        return services.AddSingleton<IDistributedCache>(sp => new FluxDistributedCache(sp, sp.GetService<TimeProvider>() ?? TimeProvider.System));
    }
}

using System.Diagnostics.Metrics;
using FluxMap;
using FluxMap.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers FluxMap databases with dependency injection and the .NET generic host.</summary>
/// <remarks>
/// A registered database opens when the host starts and closes (syncing its log) when the host
/// stops; its background services (vacuum and the like) run as the host's hosted services in
/// between. Inject <see cref="FluxDatabase{TKey, TValue}"/> or a thread-safe
/// <see cref="FluxHandle{TKey, TValue}"/>; keyed registrations are injected with
/// <c>[FromKeyedServices("name")]</c>. Options are the named <see cref="FluxMapOptions"/>
/// (<see cref="Options.Options.DefaultName"/> for the unkeyed database, the key otherwise), so
/// further <c>services.Configure&lt;FluxMapOptions&gt;(name, ...)</c> calls apply too; they are
/// validated when the host starts. A relative <see cref="FluxMapOptions.DataDirectory"/> is taken
/// relative to the host's content root.
/// </remarks>
public static class FluxMapServiceCollectionExtensions
{
    /// <summary>Registers a database configured in code.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the database's options.</param>
    /// <param name="configureDatabase">Sets what options cannot: key order, size estimator, serializer.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">A database without a key is already registered.</exception>
    public static IServiceCollection AddFluxMap<TKey, TValue>(
        this IServiceCollection services,
        Action<FluxMapOptions> configure,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(configure);
        return Register(services, null, options => options.Configure(configure), configureDatabase);
    }

    /// <summary>
    /// Registers a database whose options are bound from a configuration section, such as
    /// <c>configuration.GetSection("FluxMap")</c>. A key in the section that names no option stops
    /// the host from starting, so a misspelt setting never silently keeps its default.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <see cref="FluxMapOptions"/>' properties.</param>
    /// <param name="configureDatabase">Sets what options cannot: key order, size estimator, serializer.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">A database without a key is already registered.</exception>
    public static IServiceCollection AddFluxMap<TKey, TValue>(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Register(services, null, options => Bind(options, configuration), configureDatabase);
    }

    /// <summary>Registers a database under <paramref name="name"/>, configured in code.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The service key, also the database's name in logs and metrics and the name of its options.</param>
    /// <param name="configure">Sets the database's options.</param>
    /// <param name="configureDatabase">Sets what options cannot: key order, size estimator, serializer.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">A database named <paramref name="name"/> is already registered (local, replicated or an Orleans grain storage).</exception>
    public static IServiceCollection AddKeyedFluxMap<TKey, TValue>(
        this IServiceCollection services,
        string name,
        Action<FluxMapOptions> configure,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase = null)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        return Register(services, name, options => options.Configure(configure), configureDatabase);
    }

    /// <summary>
    /// Registers a database under <paramref name="name"/>, its options bound from a configuration
    /// section. A key in the section that names no option stops the host from starting.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The service key, also the database's name in logs and metrics and the name of its options.</param>
    /// <param name="configuration">The section holding <see cref="FluxMapOptions"/>' properties.</param>
    /// <param name="configureDatabase">Sets what options cannot: key order, size estimator, serializer.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">A database named <paramref name="name"/> is already registered (local, replicated or an Orleans grain storage).</exception>
    public static IServiceCollection AddKeyedFluxMap<TKey, TValue>(
        this IServiceCollection services,
        string name,
        IConfiguration configuration,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase = null)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        return Register(services, name, options => Bind(options, configuration), configureDatabase);
    }

    // A misspelt key ("Durabilty") would otherwise leave its setting at the default without a word.
    private static void Bind(OptionsBuilder<FluxMapOptions> options, IConfiguration configuration) =>
        options.Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);

    private static IServiceCollection Register<TKey, TValue>(
        IServiceCollection services,
        string? key,
        Action<OptionsBuilder<FluxMapOptions>> configureOptions,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(services);

        var name = key ?? Options.Options.DefaultName;
        FluxMapRegistration.TakeName(services, name, key is null ? nameof(AddFluxMap) : nameof(AddKeyedFluxMap));
        configureOptions(FluxMapRegistration.AddFluxMapOptions(services, name));

        services.AddKeyedSingleton(key, (sp, _) => new HostedFluxDatabase<TKey, TValue>(
            key,
            sp.GetRequiredService<IOptionsMonitor<FluxMapOptions>>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetService<IMeterFactory>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            configureDatabase));
        services.AddKeyedSingleton(key, (sp, k) => sp.GetRequiredKeyedService<HostedFluxDatabase<TKey, TValue>>(k).Database);
        services.AddKeyedSingleton(key, (sp, k) => sp.GetRequiredKeyedService<FluxDatabase<TKey, TValue>>(k).CreateHandle());

        // The host stops hosted services in reverse order: the background services before the database closes.
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<HostedFluxDatabase<TKey, TValue>>(key));
        services.AddSingleton<IHostedService>(sp => new HostedBackgroundServices<TKey, TValue>(sp.GetRequiredKeyedService<HostedFluxDatabase<TKey, TValue>>(key)));
        return services;
    }
}

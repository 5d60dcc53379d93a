using FluxMap;
using FluxMap.Hosting;
using FluxMap.Replication;
using FluxMap.Replication.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers members of replicated FluxMap clusters with dependency injection and the .NET generic host.</summary>
/// <remarks>
/// A registered member opens its database and joins its cluster when the host starts, and leaves
/// the cluster and closes its database when the host stops. Inject
/// <see cref="ReplicatedFluxDatabase{TKey, TValue}"/> (keyed registrations with
/// <c>[FromKeyedServices("name")]</c>). Options are the named <see cref="FluxMapOptions"/> and
/// <see cref="ReplicationOptions"/> (<see cref="Options.Options.DefaultName"/> for the unkeyed
/// member, the key otherwise), so further <c>services.Configure&lt;ReplicationOptions&gt;(...)</c>
/// calls apply too; both are validated when the host starts, which then fails naming every
/// problem. Relative data and log directories are taken relative to the host's content root.
/// Durability is always Full with a data file: the Raft log holds what the write-ahead log would.
/// </remarks>
public static class ReplicatedFluxMapServiceCollectionExtensions
{
    /// <summary>
    /// Registers this process's member of a replicated database, its options bound from a
    /// configuration section such as <c>configuration.GetSection("FluxMap")</c>: the database's
    /// options from the section's keys, the replication options from its child <c>Replication</c>
    /// (<c>FluxMap:Replication</c>; <c>Members</c> as an array). A key that names no option stops
    /// the host from starting.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <see cref="FluxMapOptions"/>' properties and a <c>Replication</c> section with <see cref="ReplicationOptions"/>' properties.</param>
    /// <param name="configureDatabase">Sets what options cannot: key order, size estimator, serializer.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">A database without a key is already registered.</exception>
    public static IServiceCollection AddReplicatedFluxMap<TKey, TValue>(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase = null)
        where TKey : notnull =>
        Register(services, null, configuration, configureDatabase);

    /// <summary>Registers this process's member of a replicated database under <paramref name="name"/>, its options bound from a configuration section as <see cref="AddReplicatedFluxMap{TKey, TValue}(IServiceCollection, IConfiguration, Action{FluxDatabaseBuilder{TKey, TValue}}?)"/> binds them.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The service key, also the database's name in logs and metrics and the name of its options.</param>
    /// <param name="configuration">The section holding <see cref="FluxMapOptions"/>' properties and a <c>Replication</c> section with <see cref="ReplicationOptions"/>' properties.</param>
    /// <param name="configureDatabase">Sets what options cannot: key order, size estimator, serializer.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="InvalidOperationException">A database named <paramref name="name"/> is already registered (local, replicated or an Orleans grain storage).</exception>
    public static IServiceCollection AddKeyedReplicatedFluxMap<TKey, TValue>(
        this IServiceCollection services,
        string name,
        IConfiguration configuration,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase = null)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Register(services, name, configuration, configureDatabase);
    }

    private static IServiceCollection Register<TKey, TValue>(
        IServiceCollection services,
        string? key,
        IConfiguration configuration,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configureDatabase)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var name = key ?? Options.Options.DefaultName;
        FluxMapRegistration.TakeName(services, name, key is null ? nameof(AddReplicatedFluxMap) : nameof(AddKeyedReplicatedFluxMap));
        ReplicationRegistration.AddOptions(services, name, configuration);
        services.AddKeyedSingleton(key, (sp, _) => new HostedReplicatedFluxDatabase<TKey, TValue>(
            key,
            (optionsName, name, ct) => ReplicationRegistration.OpenAsync(sp, optionsName, name, configureDatabase, ct)));
        services.AddKeyedSingleton(key, (sp, k) => sp.GetRequiredKeyedService<HostedReplicatedFluxDatabase<TKey, TValue>>(k).Member);
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<HostedReplicatedFluxDatabase<TKey, TValue>>(key));
        return services;
    }
}

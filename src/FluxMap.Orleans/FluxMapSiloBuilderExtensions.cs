using FluxMap;
using FluxMap.Grains;
using FluxMap.Hosting;
using FluxMap.Replication;
using FluxMap.Replication.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Orleans.Transactions.Abstractions;

namespace Orleans.Hosting;

/// <summary>Adds FluxMap grain storage to an Orleans silo.</summary>
/// <remarks>
/// One call registers, under one name, both an <see cref="IGrainStorage"/> (for
/// <c>[PersistentState("state", "name")]</c>) and an <see cref="ITransactionalStateStorageFactory"/>
/// (for <c>[TransactionalState("state", "name")]</c>, which Orleans prefers to wrapping the grain
/// storage), over one database opened when the silo starts and closed when it stops. Options are the
/// named <see cref="FluxMapGrainStorageOptions"/>, so <c>services.Configure&lt;FluxMapGrainStorageOptions&gt;(name, ...)</c>
/// applies too; they are checked when the silo starts and logged with the silo's options.
/// </remarks>
public static class FluxMapSiloBuilderExtensions
{
    /// <summary>Adds FluxMap grain storage named <paramref name="name"/>, configured in code.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The provider's name, as grains' state attributes name it.</param>
    /// <param name="configureOptions">Sets the provider's options.</param>
    /// <returns>The silo builder.</returns>
    public static ISiloBuilder AddFluxMapGrainStorage(this ISiloBuilder builder, string name, Action<FluxMapGrainStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.AddFluxMapGrainStorage(name, options => options.Configure(configureOptions));
    }

    /// <summary>
    /// Adds FluxMap grain storage named <paramref name="name"/>, its options set through an options
    /// builder (to bind a configuration section or use other services).
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The provider's name, as grains' state attributes name it.</param>
    /// <param name="configureOptions">Configures the provider's options builder; null leaves the defaults and later <c>Configure</c> calls.</param>
    /// <returns>The silo builder.</returns>
    /// <exception cref="InvalidOperationException">A FluxMap database named <paramref name="name"/> is already registered in the host (a grain storage, <c>AddKeyedFluxMap</c> or <c>AddKeyedReplicatedFluxMap</c>).</exception>
    public static ISiloBuilder AddFluxMapGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<FluxMapGrainStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        FluxMapRegistration.TakeName(builder.Services, name, nameof(AddFluxMapGrainStorage));
        return AddStorage(builder, name, configureOptions);
    }

    /// <summary>Adds FluxMap grain storage as the silo's default (for state attributes that name no provider), configured in code.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="configureOptions">Sets the provider's options.</param>
    /// <returns>The silo builder.</returns>
    public static ISiloBuilder AddFluxMapGrainStorageAsDefault(this ISiloBuilder builder, Action<FluxMapGrainStorageOptions> configureOptions) =>
        builder.AddFluxMapGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>Adds FluxMap grain storage as the silo's default (for state attributes that name no provider), through an options builder.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="configureOptions">Configures the provider's options builder.</param>
    /// <returns>The silo builder.</returns>
    public static ISiloBuilder AddFluxMapGrainStorageAsDefault(this ISiloBuilder builder, Action<OptionsBuilder<FluxMapGrainStorageOptions>>? configureOptions = null) =>
        builder.AddFluxMapGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>
    /// Adds FluxMap grain storage named <paramref name="name"/> over a replicated FluxMap, this silo
    /// hosting one member of its Raft cluster, bound from a configuration section such as
    /// <c>configuration.GetSection("GrainStorage")</c> the way <c>AddReplicatedFluxMap</c> binds one:
    /// the database's options (<see cref="FluxMapOptions"/>) from the section's keys, the replication
    /// options (<see cref="ReplicationOptions"/>, <c>Members</c> as an array) from its
    /// <c>Replication</c> child. Both are the options named <paramref name="name"/>, validated when the
    /// silo starts: a key that names no option, or an invalid setting, stops the start naming it.
    /// Relative directories are taken relative to the host's content root.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The provider's name, as grains' state attributes name it.</param>
    /// <param name="configuration">The section holding <see cref="FluxMapOptions"/>' properties and a <c>Replication</c> section with <see cref="ReplicationOptions"/>' properties.</param>
    /// <returns>The silo builder.</returns>
    /// <exception cref="InvalidOperationException">A FluxMap database named <paramref name="name"/> is already registered in the host (a grain storage, <c>AddKeyedFluxMap</c> or <c>AddKeyedReplicatedFluxMap</c>), whose options this one would share.</exception>
    public static ISiloBuilder AddReplicatedFluxMapGrainStorage(this ISiloBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        FluxMapRegistration.TakeName(builder.Services, name, nameof(AddReplicatedFluxMapGrainStorage));
        AddStorage(builder, name, options => options.Configure(o => o.OpenDatabase = OpenReplicatedAsync));
        ReplicationRegistration.AddOptions(builder.Services, name, configuration);
        return builder;
    }

    /// <summary>
    /// Adds FluxMap grain storage over a replicated FluxMap as the silo's default (for state attributes
    /// that name no provider), bound from a configuration section as
    /// <see cref="AddReplicatedFluxMapGrainStorage(ISiloBuilder, string, IConfiguration)"/> binds it.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="configuration">The section holding <see cref="FluxMapOptions"/>' properties and a <c>Replication</c> section with <see cref="ReplicationOptions"/>' properties.</param>
    /// <returns>The silo builder.</returns>
    public static ISiloBuilder AddReplicatedFluxMapGrainStorageAsDefault(this ISiloBuilder builder, IConfiguration configuration) =>
        builder.AddReplicatedFluxMapGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configuration);

    /// <summary>
    /// Binds the options from a configuration section, such as <c>configuration.GetSection("FluxMap")</c>
    /// holding <c>Database:DataDirectory</c>. A key that names no option stops the silo from
    /// starting, so a misspelt setting never silently keeps its default.
    /// </summary>
    /// <param name="options">The provider's options builder.</param>
    /// <param name="configuration">The section.</param>
    /// <returns>The options builder.</returns>
    public static OptionsBuilder<FluxMapGrainStorageOptions> BindConfiguration(this OptionsBuilder<FluxMapGrainStorageOptions> options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        return options.Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
    }

    // The grain storage and the transactional state storage of one name, over one database the silo opens and closes.
    private static ISiloBuilder AddStorage(ISiloBuilder builder, string name, Action<OptionsBuilder<FluxMapGrainStorageOptions>>? configureOptions)
    {
        var services = builder.Services;
        configureOptions?.Invoke(services.AddOptions<FluxMapGrainStorageOptions>(name));
        services.AddTransient<IPostConfigureOptions<FluxMapGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<FluxMapGrainStorageOptions>>();
        services.AddTransient<IConfigurationValidator>(sp => new FluxMapGrainStorageOptionsValidator(Options(sp, name), name));
        services.ConfigureNamedOptionForLogging<FluxMapGrainStorageOptions>(name);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ExceptionSerializationOptions>, FluxMapExceptionSerialization>());

        services.AddKeyedSingleton(name, (sp, _) => new FluxGrainDatabaseHost(name, Options(sp, name), sp));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredKeyedService<FluxGrainDatabaseHost>(name));
        services.AddGrainStorage(name, (sp, _) => new FluxMapGrainStorage(
            sp.GetRequiredKeyedService<FluxGrainDatabaseHost>(name),
            Options(sp, name).GrainStorageSerializer,
            sp.GetRequiredService<IActivatorProvider>()));
        services.AddKeyedSingleton<ITransactionalStateStorageFactory>(name, (sp, _) => new FluxMapTransactionalStateStorageFactory(
            sp.GetRequiredKeyedService<FluxGrainDatabaseHost>(name),
            Options(sp, name).GrainStorageSerializer,
            sp.GetService<StoreFaultInjector>()));
        if (name == ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME)
        {
            services.TryAddSingleton(sp => sp.GetRequiredKeyedService<ITransactionalStateStorageFactory>(name));
        }

        return builder;
    }

    private static async ValueTask<IFluxGrainDatabase> OpenReplicatedAsync(IServiceProvider services, string name, CancellationToken cancellationToken) =>
        new ReplicatedGrainDatabase(await ReplicationRegistration.OpenAsync<string, byte[]>(services, name, name, null, cancellationToken).ConfigureAwait(false));

    private static FluxMapGrainStorageOptions Options(IServiceProvider services, string name) =>
        services.GetRequiredService<IOptionsMonitor<FluxMapGrainStorageOptions>>().Get(name);
}

using System.Diagnostics.Metrics;
using FluxMap.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FluxMap.Replication.Hosting;

/// <summary>
/// What every member registered from configuration has, in a generic host (AddReplicatedFluxMap)
/// or under an Orleans silo's grain storage (FluxMap.Orleans): its options bound from one section
/// and validated when the host starts, and the member opened from them with the host's services.
/// </summary>
internal static class ReplicationRegistration
{
    /// <summary>
    /// Binds the <see cref="FluxMapOptions"/> named <paramref name="name"/> from the section's keys
    /// and the <see cref="ReplicationOptions"/> of that name from its <c>Replication</c> child; a key
    /// that names no option, or an invalid setting, stops the host from starting.
    /// </summary>
    internal static void AddOptions(IServiceCollection services, string name, IConfiguration configuration)
    {
        // A misspelt key ("LocalEndpoint") would otherwise leave its setting at the default without a word.
        FluxMapRegistration.AddFluxMapOptions(services, name)
            .Bind(new SectionWithout(configuration, "Replication"), binder => binder.ErrorOnUnknownConfiguration = true)
            .PostConfigure(o =>
            {
                // What the member runs with, so validation at start judges the real settings.
                o.Durability = DurabilityMode.Full;
                o.UseDataFile = true;
            });
        services.AddOptions<ReplicationOptions>(name)
            .Bind(configuration.GetSection("Replication"), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicationOptions>, ReplicationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ReplicationOptions>, LogDirectoryResolver>(
            sp => new LogDirectoryResolver(sp.GetService<IHostEnvironment>())));
    }

    /// <summary>
    /// Opens the member whose options <see cref="AddOptions"/> registered under <paramref name="optionsName"/>,
    /// logging and measuring through the host's factories as the database <paramref name="name"/>.
    /// </summary>
    internal static ValueTask<ReplicatedFluxDatabase<TKey, TValue>> OpenAsync<TKey, TValue>(
        IServiceProvider services,
        string optionsName,
        string name,
        Action<FluxDatabaseBuilder<TKey, TValue>>? configure,
        CancellationToken cancellationToken)
        where TKey : notnull
    {
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var meterFactory = services.GetService<IMeterFactory>();
        var timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var options = services.GetRequiredService<IOptionsMonitor<FluxMapOptions>>().Get(optionsName);
        return ReplicatedFluxDatabase.OpenAsync<TKey, TValue>(
            services.GetRequiredService<IOptionsMonitor<ReplicationOptions>>().Get(optionsName),
            builder =>
            {
                builder.WithOptions(options).WithName(name).WithLoggerFactory(loggerFactory).WithTimeProvider(timeProvider);
                if (meterFactory is not null)
                {
                    builder.WithMeterFactory(meterFactory);
                }

                configure?.Invoke(builder);
            },
            loggerFactory,
            cancellationToken);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FluxMap.Hosting;

/// <summary>What every registration of a hosted database does, local (AddFluxMap) or replicated (AddReplicatedFluxMap).</summary>
internal static class FluxMapRegistration
{
    /// <summary>
    /// Takes <paramref name="name"/> for one database, refused when another registration took it
    /// (local, replicated, or an Orleans grain storage's): two databases of one name would share
    /// options, and so a data directory only one can hold, and their logs and metrics would not
    /// tell them apart.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The name of the database's options; <see cref="Options.DefaultName"/> for the database without a key.</param>
    /// <param name="registeredBy">The method registering the database, for a later refusal's message.</param>
    internal static void TakeName(IServiceCollection services, string name, string registeredBy)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(RegisteredDatabaseName) && Equals(d.ServiceKey, name)) is { } taken)
        {
            var by = ((RegisteredDatabaseName)taken.KeyedImplementationInstance!).RegisteredBy;
            throw new InvalidOperationException(name == Options.DefaultName
                ? $"A FluxMap database without a key is already registered (by {by}); register further databases under a name (AddKeyedFluxMap, AddKeyedReplicatedFluxMap)."
                : $"A FluxMap database named '{name}' is already registered (by {by}); one name stands for one database in a host, its options, logs and metrics.");
        }

        services.AddKeyedSingleton(name, new RegisteredDatabaseName(registeredBy));
    }

    /// <summary>The named database options, validated when the host starts, a relative data directory taken from the content root.</summary>
    internal static OptionsBuilder<FluxMapOptions> AddFluxMapOptions(IServiceCollection services, string name)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FluxMapOptions>, FluxMapOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<FluxMapOptions>, DataDirectoryResolver>(
            sp => new DataDirectoryResolver(sp.GetService<IHostEnvironment>())));
        return services.AddOptions<FluxMapOptions>(name).ValidateOnStart();
    }
}

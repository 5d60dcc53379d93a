using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FluxMap.Hosting;

/// <summary>What every registration of a hosted database does, local (AddFluxMap) or replicated (AddReplicatedFluxMap).</summary>
internal static class FluxMapRegistration
{
    /// <summary>
    /// Refuses a second database of one name: two registrations of one name would share options,
    /// and so a data directory only one can hold.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="key">The name; null for the database without a key.</param>
    /// <param name="addKeyed">The method that registers further databases, for the message.</param>
    /// <param name="hostedTypes">The open generic types the registrations add under the name.</param>
    internal static void ThrowIfRegistered(IServiceCollection services, string? key, string addKeyed, params Type[] hostedTypes)
    {
        if (services.Any(d => Equals(d.ServiceKey, key) && d.ServiceType.IsGenericType && hostedTypes.Contains(d.ServiceType.GetGenericTypeDefinition())))
        {
            throw new InvalidOperationException(key is null
                ? $"A FluxMap database without a key is already registered; register further databases with {addKeyed}."
                : $"A FluxMap database named '{key}' is already registered.");
        }
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

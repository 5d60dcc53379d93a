using FluxMap;
using FluxMap.Diagnostics;
using FluxMap.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds health checks of FluxMap databases registered with <c>AddFluxMap</c> or <c>AddKeyedFluxMap</c>.</summary>
/// <remarks>
/// The check is healthy while the database works normally, degraded while a background service
/// fails, and reports the failure status (unhealthy unless set) once the database has failed
/// closed, is closed, or is not open yet. Its data: <c>keys</c>, <c>memory_bytes</c> (with a
/// memory limit), <c>memory_limit_bytes</c> and <c>wal_unsynced_commits</c>.
/// </remarks>
public static class FluxMapHealthChecksBuilderExtensions
{
    /// <summary>Checks the database registered without a key.</summary>
    /// <typeparam name="TKey">The database's key type.</typeparam>
    /// <typeparam name="TValue">The database's value type.</typeparam>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; default "fluxmap".</param>
    /// <param name="failureStatus">The status reported when the database has failed; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddFluxMap<TKey, TValue>(
        this IHealthChecksBuilder builder,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
        where TKey : notnull =>
        Add<TKey, TValue>(builder, null, name ?? "fluxmap", failureStatus, tags);

    /// <summary>Checks the database registered under <paramref name="serviceKey"/>.</summary>
    /// <typeparam name="TKey">The database's key type.</typeparam>
    /// <typeparam name="TValue">The database's value type.</typeparam>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="serviceKey">The name the database was registered under.</param>
    /// <param name="name">The check's name; default "fluxmap-" followed by <paramref name="serviceKey"/>.</param>
    /// <param name="failureStatus">The status reported when the database has failed; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddKeyedFluxMap<TKey, TValue>(
        this IHealthChecksBuilder builder,
        string serviceKey,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceKey);
        return Add<TKey, TValue>(builder, serviceKey, name ?? $"fluxmap-{serviceKey}", failureStatus, tags);
    }

    private static IHealthChecksBuilder Add<TKey, TValue>(IHealthChecksBuilder builder, string? serviceKey, string name, HealthStatus? failureStatus, IEnumerable<string>? tags)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new FluxMapHealthCheck<TKey, TValue>(sp.GetKeyedService<HostedFluxDatabase<TKey, TValue>>(serviceKey) ?? throw new InvalidOperationException(
                $"The health check '{name}' needs a {TypeName.Readable(typeof(FluxDatabase<TKey, TValue>))} " +
                (serviceKey is null ? "registered with AddFluxMap." : $"registered with AddKeyedFluxMap under '{serviceKey}'."))),
            failureStatus,
            tags));
    }
}

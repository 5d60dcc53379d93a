using FluxMap.Diagnostics;
using FluxMap.Replication;
using FluxMap.Replication.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds health checks of replicated FluxMap members registered with <c>AddReplicatedFluxMap</c> or <c>AddKeyedReplicatedFluxMap</c>.</summary>
/// <remarks>
/// The check is healthy while the member knows a leader and has applied the committed Raft log
/// up to <c>maxLag</c> entries; degraded while it knows no leader (an election, or a majority
/// unreachable), replaces its state with a snapshot, or lags further; and reports the failure
/// status (unhealthy unless set) once the member is closed, its database failed, or the host has
/// not started it. Its data: <c>role</c> (Leader, Follower, Candidate, Replacing, Closed),
/// <c>term</c>, <c>commit_index</c>, <c>applied_index</c>, <c>lag</c> (commit − applied) and
/// <c>leader</c> (the leader's address, empty when none is known).
/// </remarks>
public static class ReplicatedFluxMapHealthChecksBuilderExtensions
{
    /// <summary>Checks the member registered without a key.</summary>
    /// <typeparam name="TKey">The database's key type.</typeparam>
    /// <typeparam name="TValue">The database's value type.</typeparam>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; default "fluxmap-replication".</param>
    /// <param name="maxLag">The most committed log entries the member may not have applied yet and still be healthy; default 1000.</param>
    /// <param name="failureStatus">The status reported when the member is closed or failed; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddReplicatedFluxMap<TKey, TValue>(
        this IHealthChecksBuilder builder,
        string? name = null,
        long maxLag = 1000,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
        where TKey : notnull =>
        Add<TKey, TValue>(builder, null, name ?? "fluxmap-replication", maxLag, failureStatus, tags);

    /// <summary>Checks the member registered under <paramref name="serviceKey"/>.</summary>
    /// <typeparam name="TKey">The database's key type.</typeparam>
    /// <typeparam name="TValue">The database's value type.</typeparam>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="serviceKey">The name the member was registered under.</param>
    /// <param name="name">The check's name; default "fluxmap-replication-" followed by <paramref name="serviceKey"/>.</param>
    /// <param name="maxLag">The most committed log entries the member may not have applied yet and still be healthy; default 1000.</param>
    /// <param name="failureStatus">The status reported when the member is closed or failed; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddKeyedReplicatedFluxMap<TKey, TValue>(
        this IHealthChecksBuilder builder,
        string serviceKey,
        string? name = null,
        long maxLag = 1000,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
        where TKey : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceKey);
        return Add<TKey, TValue>(builder, serviceKey, name ?? $"fluxmap-replication-{serviceKey}", maxLag, failureStatus, tags);
    }

    private static IHealthChecksBuilder Add<TKey, TValue>(IHealthChecksBuilder builder, string? serviceKey, string name, long maxLag, HealthStatus? failureStatus, IEnumerable<string>? tags)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLag);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new ReplicatedFluxMapHealthCheck<TKey, TValue>(
                sp.GetKeyedService<HostedReplicatedFluxDatabase<TKey, TValue>>(serviceKey) ?? throw new InvalidOperationException(
                    $"The health check '{name}' needs a {TypeName.Readable(typeof(ReplicatedFluxDatabase<TKey, TValue>))} " +
                    (serviceKey is null ? "registered with AddReplicatedFluxMap." : $"registered with AddKeyedReplicatedFluxMap under '{serviceKey}'.")),
                maxLag),
            failureStatus,
            tags));
    }
}

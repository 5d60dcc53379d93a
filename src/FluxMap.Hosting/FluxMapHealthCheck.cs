using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FluxMap.Hosting;

/// <summary>
/// Reports a hosted database's <see cref="FluxHealth"/>: failed (or not open) as the
/// registration's failure status, a failed background service as degraded. The data carries the
/// figures an operator looks at first: keys, estimated memory against its limit, and the commits
/// acknowledged but not yet synced.
/// </summary>
internal sealed class FluxMapHealthCheck<TKey, TValue>(HostedFluxDatabase<TKey, TValue> database) : IHealthCheck
    where TKey : notnull
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (database.Current is not { } db)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"The database '{database.Name}' is not open: the host has not started."));
        }

        var health = db.GetHealth();
        var statistics = db.GetStatistics();
        var data = new Dictionary<string, object>
        {
            ["keys"] = statistics.Count,
            ["memory_limit_bytes"] = statistics.MemoryLimit,
            ["wal_unsynced_commits"] = statistics.WalUnsyncedCommits,
        };
        if (statistics.MemoryBytes is { } memory)
        {
            data["memory_bytes"] = memory;
        }

        var status = health.Status switch
        {
            FluxHealthStatus.Healthy => HealthStatus.Healthy,
            FluxHealthStatus.Degraded => HealthStatus.Degraded,
            _ => context.Registration.FailureStatus,
        };
        return Task.FromResult(new HealthCheckResult(status, health.Description, health.Exception, data));
    }
}

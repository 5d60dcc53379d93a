using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FluxMap.Replication.Hosting;

/// <summary>
/// Reports a hosted member's replication: healthy while it knows a leader and applies what is
/// committed within <c>maxLag</c> entries; degraded while it knows no leader, replaces its state
/// or lags further; the registration's failure status once it is closed, its database failed, or
/// the host has not started it.
/// </summary>
internal sealed class ReplicatedFluxMapHealthCheck<TKey, TValue>(HostedReplicatedFluxDatabase<TKey, TValue> hosted, long maxLag) : IHealthCheck
    where TKey : notnull
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (hosted.Current is not { } member)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"The replicated database '{hosted.Name}' has not joined its cluster: the host has not started."));
        }

        var status = member.GetStatus();
        FluxHealth? health = null;
        try
        {
            health = status.Role is ReplicaRole.Closed or ReplicaRole.Replacing ? null : member.Node.Host.Current?.GetHealth();
        }
        catch (ObjectDisposedException)
        {
            // The member closed after its status was read.
            status = member.GetStatus();
        }

        return Task.FromResult(Assess(hosted.Name, status, health, maxLag, context.Registration.FailureStatus));
    }

    internal static HealthCheckResult Assess(string name, ReplicationStatus status, FluxHealth? database, long maxLag, HealthStatus failureStatus)
    {
        var data = new Dictionary<string, object>
        {
            ["role"] = status.Role.ToString(),
            ["term"] = status.Term,
            ["commit_index"] = status.CommitIndex,
            ["applied_index"] = status.AppliedIndex,
            ["lag"] = status.Lag,
            ["leader"] = status.Leader ?? "",
        };
        var (health, description) = status switch
        {
            { Role: ReplicaRole.Closed } => (failureStatus, $"The member '{name}' left its cluster and closed."),
            _ when database?.Status == FluxHealthStatus.Failed => (failureStatus, database.Description),
            { Role: ReplicaRole.Replacing } => (HealthStatus.Degraded, $"The member '{name}' is replacing its state with a snapshot from the leader and serves no reads."),
            { Role: ReplicaRole.Candidate } => (HealthStatus.Degraded, $"The member '{name}' knows no leader: an election is under way or a majority of members is unreachable."),
            _ when status.Lag > maxLag => (HealthStatus.Degraded, $"The member '{name}' is {status.Lag} committed log entries behind (more than {maxLag})."),
            _ when database?.Status == FluxHealthStatus.Degraded => (HealthStatus.Degraded, database.Description),
            _ => (HealthStatus.Healthy, $"The member '{name}' is the {status.Role.ToString().ToLowerInvariant()} in term {status.Term}, {status.Lag} entries behind."),
        };
        return new HealthCheckResult(health, description, database?.Exception, data);
    }
}

namespace FluxMap.Replication;

/// <summary>What an operator asks a member: its replication state, and whether the cluster has a leader.</summary>
public sealed partial class ReplicatedFluxDatabase<TKey, TValue>
{
    /// <summary>Gets this member's replication state now: role, term, committed and applied log indexes, the leader it knows.</summary>
    /// <returns>The state; <see cref="ReplicaRole.Closed"/> once the member closed.</returns>
    public ReplicationStatus GetStatus() => ReplicationStatus.Of(_node);

    /// <summary>
    /// Waits until this member knows a leader and, when it leads itself, takes commits: what a
    /// service waits for before it reports ready.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The leader's address (<c>host:port</c>), this member's own when it leads.</returns>
    /// <exception cref="ObjectDisposedException">The member closed.</exception>
    public async ValueTask<string> WaitForLeaderAsync(CancellationToken cancellationToken = default)
    {
        ReplicationStatus status = ReplicationStatus.Closed;
        await _node.Host.Changed.WaitAsync(
            () =>
            {
                status = GetStatus();
                ObjectDisposedException.ThrowIf(status.Role == ReplicaRole.Closed, this);
                return status.Role == ReplicaRole.Follower || (status.Role == ReplicaRole.Leader && IsLeader);
            },
            cancellationToken).ConfigureAwait(false);
        return status.Leader!;
    }
}

using DotNext.Net.Cluster.Consensus.Raft;

namespace FluxMap.Replication;

/// <summary>
/// A member's replication state at one moment: its role, the Raft term, how far the Raft log is
/// committed and how far this member applied it. The health check and the "FluxMap" meter report
/// the same figures.
/// </summary>
public sealed class ReplicationStatus
{
    internal ReplicationStatus(ReplicaRole role, long term, long commitIndex, long appliedIndex, string? leader)
    {
        Role = role;
        Term = term;
        CommitIndex = commitIndex;
        AppliedIndex = appliedIndex;
        Leader = leader;
    }

    /// <summary>Gets what the member is doing.</summary>
    public ReplicaRole Role { get; }

    /// <summary>Gets the Raft term the member is in; it grows by at least one with every election.</summary>
    public long Term { get; }

    /// <summary>Gets the index of the newest Raft log entry this member knows to be committed (held by a majority).</summary>
    public long CommitIndex { get; }

    /// <summary>Gets the index of the newest Raft log entry this member applied to its database.</summary>
    public long AppliedIndex { get; }

    /// <summary>Gets how many committed log entries this member has not applied yet: <see cref="CommitIndex"/> − <see cref="AppliedIndex"/>, never below 0.</summary>
    public long Lag => Math.Max(0, CommitIndex - AppliedIndex);

    /// <summary>Gets the address (<c>host:port</c>) of the leader this member knows, this member's own when it leads; null when it knows none.</summary>
    public string? Leader { get; }

    internal static ReplicationStatus Closed { get; } = new(ReplicaRole.Closed, 0, 0, 0, null);

    internal static ReplicationStatus Of<TKey, TValue>(ReplicaNode<TKey, TValue> node)
        where TKey : notnull
    {
        if (node.IsClosed)
        {
            return Closed;
        }

        try
        {
            var leader = node.JoinedCluster?.Leader;
            var role = node.Host.Current is null ? ReplicaRole.Replacing
                : leader is null ? ReplicaRole.Candidate
                : leader.IsRemote ? ReplicaRole.Follower
                : ReplicaRole.Leader;
            var term = node.JoinedCluster?.Term ?? 0;
            return new ReplicationStatus(role, term, node.RaftLog.LastCommittedEntryIndex, node.Machine.AppliedIndex, leader?.EndPoint.ToString());
        }
        catch (ObjectDisposedException)
        {
            // The member closed while it was read.
            return Closed;
        }
    }
}

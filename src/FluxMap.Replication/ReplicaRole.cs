namespace FluxMap.Replication;

/// <summary>What a member of a replicated FluxMap cluster is doing now, as <see cref="ReplicationStatus.Role"/> reports it.</summary>
public enum ReplicaRole
{
    /// <summary>Follows a known leader: applies its log and serves reads.</summary>
    Follower,

    /// <summary>
    /// Knows no leader: an election is under way, or this member waits for one (a follower stands
    /// for election once its election timeout passes without hearing from a leader). Commits wait
    /// or fail until a leader is elected.
    /// </summary>
    Candidate,

    /// <summary>Leads the cluster: runs read-write transactions and replicates them.</summary>
    Leader,

    /// <summary>Replaces its state with a snapshot another member sent; serves no reads meanwhile.</summary>
    Replacing,

    /// <summary>Left the cluster and closed its database.</summary>
    Closed,
}

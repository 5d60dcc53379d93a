namespace FluxMap.Replication;

/// <summary>What the leader did with a forwarded transaction.</summary>
internal enum ForwardingOutcome
{
    /// <summary>Committed; the reply's position is its commit timestamp.</summary>
    Committed,

    /// <summary>Not committed: what the follower read changed, or the leader's validation refused it; the position is the change's commit, if known.</summary>
    Conflict,

    /// <summary>Not committed: the member does not lead (or not yet, or is replacing its state).</summary>
    NotLeader,

    /// <summary>Sent to the Raft log, then the leader closed: it may have committed.</summary>
    Unknown,

    /// <summary>Not committed, and running it again will not help (the request could not be read).</summary>
    Failed,
}

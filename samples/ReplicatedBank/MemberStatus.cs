using FluxMap.Replication;

namespace ReplicatedBank;

/// <summary>The answer of GET /status: what this member is doing in its cluster.</summary>
public sealed record MemberStatus(string Role, long Term, long CommitIndex, long AppliedIndex, long Lag, string? Leader)
{
    public static MemberStatus Of(ReplicationStatus status) =>
        new(status.Role.ToString(), status.Term, status.CommitIndex, status.AppliedIndex, status.Lag, status.Leader);
}

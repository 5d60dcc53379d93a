namespace FluxMap.Replication;

/// <summary>The transient errors a member gives a commit it cannot make: the usual retry loop then runs it again, on the leader.</summary>
internal static class NotLeader
{
    internal static SerializationConflictException Conflict(string reason) =>
        new($"The commit was not made: {reason} Retry the transaction.", ConflictReason.WriteWrite, 0, null, null);
}

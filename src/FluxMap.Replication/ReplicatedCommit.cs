namespace FluxMap.Replication;

/// <summary>One commit as the Raft log carries it: timestamp, earliest out-conflict (long.MaxValue for none), encoded write set.</summary>
internal sealed record ReplicatedCommit(long Timestamp, long OutConflict, byte[] Payload);

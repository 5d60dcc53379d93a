namespace FluxMap.Durability;

/// <summary>What recovery hands the writer: where to append, and every log file it must account for.</summary>
/// <param name="Segment">The segment to append to.</param>
/// <param name="LastLsn">The last LSN recovered, or the checkpoint's when the log holds nothing after it.</param>
/// <param name="Finished">The segments before <paramref name="Segment"/>, oldest first, with the last LSN each holds.</param>
/// <param name="Pool">The retired files waiting to be reused.</param>
internal sealed record WalRecoveryResult(WalSegment Segment, long LastLsn, IReadOnlyList<WalSegmentInfo> Finished, IReadOnlyList<WalPoolFile> Pool);

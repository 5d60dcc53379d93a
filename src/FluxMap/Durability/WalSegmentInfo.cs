namespace FluxMap.Durability;

/// <summary>
/// A finished segment the writer keeps until a checkpoint covers it: once every record in it has an
/// LSN at or below the checkpoint (<see cref="LastLsn"/>), the log no longer needs the file.
/// </summary>
internal readonly record struct WalSegmentInfo(long Sequence, long LastLsn, long Length);

namespace FluxMap.DataFile;

/// <summary>An extent as a checkpoint table lists it: where it is and which of its records are live.</summary>
internal sealed record ExtentImage(long Start, int Blocks, int UsedBytes, int RecordCount, ulong[] Live);

namespace FluxMap.DataFile;

/// <summary>
/// One checkpoint as the header records it: every commit up to <paramref name="CheckpointLsn"/> is
/// in the extents the table at <paramref name="TableBlock"/> lists (a table of length 0 lists none).
/// </summary>
internal sealed record DataFileHeader(long Generation, long CheckpointLsn, long TableBlock, int TableLength, uint TableCrc, long EndBlock);

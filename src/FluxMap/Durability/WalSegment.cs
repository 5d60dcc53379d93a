namespace FluxMap.Durability;

/// <summary>An open log segment and where the next record goes in it.</summary>
internal sealed class WalSegment(StorageFile file, long sequence, long position) : IDisposable
{
    internal StorageFile File { get; } = file;

    internal long Sequence { get; } = sequence;

    internal long Position { get; set; } = position;

    /// <summary>Gets the file's size, read once: the log never resizes an open segment.</summary>
    internal long Length { get; } = file.Length;

    internal long Remaining => Length - Position;

    internal static WalSegment Create(StorageSystem storage, string directory, long sequence, long size) =>
        Start(storage, directory, sequence, storage.Open(WalFileName.Segment.Path(directory, sequence), create: true, preallocate: size), size, recycled: false);

    /// <summary>
    /// Makes the pooled file <paramref name="pooled"/> segment <paramref name="sequence"/>: renamed
    /// first, so a crash before its new header is synced leaves a file whose header names another
    /// sequence, which recovery reads as an unfinished rotation and drops.
    /// </summary>
    internal static WalSegment Recycle(StorageSystem storage, string directory, long pooled, long sequence, long size)
    {
        var path = WalFileName.Segment.Path(directory, sequence);
        storage.Move(WalFileName.Pool.Path(directory, pooled), path);
        return Start(storage, directory, sequence, storage.Open(path, create: false), size, recycled: true);
    }

    // Writes the header and an end mark over what would be the first record's header, so a
    // recycled file never starts with one of its old records, then makes file and name durable.
    private static WalSegment Start(StorageSystem storage, string directory, long sequence, StorageFile file, long size, bool recycled)
    {
        try
        {
            if (file.Length < size)
            {
                file.SetLength(size);
            }

            Span<byte> start = stackalloc byte[WalFormat.SegmentHeaderSize + WalFormat.RecordHeaderSize];
            WalFormat.WriteSegmentHeader(start, sequence, recycled);
            start[WalFormat.SegmentHeaderSize..].Clear();
            file.Write(start, 0);
            file.Sync();
            storage.SyncDirectory(directory);
            return new WalSegment(file, sequence, WalFormat.SegmentHeaderSize);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Dispose() => File.Dispose();
}

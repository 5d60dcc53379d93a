namespace FluxMap.Durability;

/// <summary>An open log segment and where the next record goes in it.</summary>
internal sealed class WalSegment(StorageFile file, long sequence, long position) : IDisposable
{
    internal StorageFile File { get; } = file;

    internal long Sequence { get; } = sequence;

    internal long Position { get; set; } = position;

    internal long Remaining => File.Length - Position;

    internal static WalSegment Create(StorageSystem storage, string directory, long sequence, long size)
    {
        var file = storage.Open(Path.Combine(directory, WalFormat.SegmentName(sequence)), create: true, preallocate: size);
        try
        {
            Span<byte> header = stackalloc byte[WalFormat.SegmentHeaderSize];
            WalFormat.WriteSegmentHeader(header, sequence);
            file.Write(header, 0);
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

using FluxMap.DataFile;
using FluxMap.Durability;

namespace FluxMap.Tool;

/// <summary>
/// Reads a database directory's files without opening the database: the data file's header copies
/// and the log segments' record chains. Safe on a directory another process holds as far as the
/// headers go (each is written whole, in two checksummed copies); records there may change under it.
/// </summary>
internal static class DirectoryFiles
{
    /// <summary>The newer whole copy of the data file's header, or null when there is no data file or neither copy checks out.</summary>
    internal static DataFileHeader? ReadHeader(string directory)
    {
        var path = Path.Combine(directory, DataFileFormat.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var blocks = new byte[DataFileFormat.FirstDataBlock * DataFileFormat.BlockSize];
        var read = file.ReadAtLeast(blocks, blocks.Length, throwOnEndOfStream: false);
        DataFileFormat.CheckIdentity(blocks.AsSpan(0, read), path);
        DataFileHeader? newest = null;
        for (var copy = 0; copy < DataFileFormat.FirstDataBlock; copy++)
        {
            var start = copy * DataFileFormat.BlockSize;
            if (start < read && DataFileFormat.TryReadHeader(blocks.AsSpan(start, read - start), out var header) && header.Generation > (newest?.Generation ?? -1))
            {
                newest = header;
            }
        }

        return newest;
    }

    /// <summary>The log segments in sequence order, each with its valid records from the start: how many, their LSNs and where the chain stops.</summary>
    internal static IEnumerable<SegmentReport> Segments(string directory)
    {
        foreach (var sequence in WalFileName.Segment.List(PhysicalStorage.Instance, directory))
        {
            var path = WalFileName.Segment.Path(directory, sequence);
            var data = File.ReadAllBytes(path);
            WalFormat.CheckIdentity(data, path);
            var records = 0;
            long first = 0, last = 0;
            var offset = WalFormat.SegmentHeaderSize;
            if (WalFormat.IsSegmentHeader(data, sequence))
            {
                while (WalFormat.TryReadRecord(data, offset, last + 1, out var record))
                {
                    first = records++ == 0 ? record.Lsn : first;
                    last = record.Lsn;
                    offset = record.End;
                }
            }

            yield return new SegmentReport(path, data.Length, records, first, last, offset);
        }
    }
}

/// <summary>One log segment's valid records from its start: count, first and last LSN, and the offset where the chain ends.</summary>
internal sealed record SegmentReport(string Path, long Bytes, int Records, long FirstLsn, long LastLsn, long End);

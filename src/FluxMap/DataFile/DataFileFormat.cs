using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using FluxMap.Durability;

namespace FluxMap.DataFile;

/// <summary>
/// The on-disk layout of the data file (<c>fluxmap.data</c>), a file of 4 KiB blocks.
/// Blocks 0 and 1 hold two copies of the header; a checkpoint writes the older copy, so a torn
/// header write always leaves the previous checkpoint readable. Header: magic "FLUXDAT1",
/// format version (u32), reserved (u32), generation (u64), checkpoint LSN (u64), table start
/// block (u64), table length (u32), table CRC32C (u32), end block (u64), CRC32C of the first 56
/// bytes (u32).
/// Every other block belongs to an extent: a run of blocks written by one write-behind flush (or
/// one compaction), holding records back to back: body length (u32), CRC32C of the body (u32),
/// body = commit timestamp (i64) + the write's entry exactly as the write-ahead log encodes it
/// (MessagePack). Deletions are not records: the checkpoint table marks which records are live,
/// so a record a later delete superseded is never loaded again.
/// The table (an extent of its own): magic "FLUXTBL1", extent count (u32), then per extent: start
/// block (u64), block count (u32), used bytes (u32), record count (u32), liveness bitmap
/// (ceil(records / 64) u64 words). All integers little-endian.
/// </summary>
internal static class DataFileFormat
{
    internal const string FileName = "fluxmap.data";
    internal const int FormatVersion = 1;
    internal const int BlockSize = 4096;
    internal const int FirstDataBlock = 2;
    internal const int HeaderSize = 60;
    internal const int RecordHeaderSize = 8;
    internal const int RecordPrefixSize = RecordHeaderSize + sizeof(long);
    internal const int TableEntryHeaderSize = 20;

    private static ReadOnlySpan<byte> HeaderMagic => "FLUXDAT1"u8;

    private static ReadOnlySpan<byte> TableMagic => "FLUXTBL1"u8;

    internal static int BlocksFor(long bytes) => checked((int)((bytes + BlockSize - 1) / BlockSize));

    internal static void WriteHeader(Span<byte> block, DataFileHeader header)
    {
        block[..BlockSize].Clear();
        HeaderMagic.CopyTo(block);
        BinaryPrimitives.WriteUInt32LittleEndian(block[8..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(block[16..], header.Generation);
        BinaryPrimitives.WriteInt64LittleEndian(block[24..], header.CheckpointLsn);
        BinaryPrimitives.WriteInt64LittleEndian(block[32..], header.TableBlock);
        BinaryPrimitives.WriteInt32LittleEndian(block[40..], header.TableLength);
        BinaryPrimitives.WriteUInt32LittleEndian(block[44..], header.TableCrc);
        BinaryPrimitives.WriteInt64LittleEndian(block[48..], header.EndBlock);
        BinaryPrimitives.WriteUInt32LittleEndian(block[56..], WalFormat.Crc32C(block[..56]));
    }

    /// <summary>
    /// Whether a header block (as much of it as the file holds) starts with a header of this
    /// format (true) or with one never written (false: zeros, as a crash while the file was
    /// created leaves them); see <see cref="FormatIdentity"/>.
    /// </summary>
    /// <exception cref="CorruptionException">The file is not a data file FluxMap wrote, or of another format version.</exception>
    internal static bool CheckIdentity(ReadOnlySpan<byte> block, string path) =>
        FormatIdentity.Check(block, HeaderMagic, FormatVersion, path, "data file");

    /// <summary>Reads a header copy that passed <see cref="CheckIdentity"/>; false when it is not whole (torn or damaged).</summary>
    internal static bool TryReadHeader(ReadOnlySpan<byte> block, [NotNullWhen(true)] out DataFileHeader? header)
    {
        header = default;
        if (block.Length < HeaderSize || !block[..8].SequenceEqual(HeaderMagic) ||
            BinaryPrimitives.ReadUInt32LittleEndian(block[56..]) != WalFormat.Crc32C(block[..56]))
        {
            return false;
        }

        header = new DataFileHeader(
            BinaryPrimitives.ReadInt64LittleEndian(block[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(block[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(block[32..]),
            BinaryPrimitives.ReadInt32LittleEndian(block[40..]),
            BinaryPrimitives.ReadUInt32LittleEndian(block[44..]),
            BinaryPrimitives.ReadInt64LittleEndian(block[48..]));
        return true;
    }

    /// <summary>Frames a record whose entry bytes are already at <c>record[RecordPrefixSize..]</c>.</summary>
    internal static void SealRecord(Span<byte> record, long timestamp)
    {
        var body = record[RecordHeaderSize..];
        BinaryPrimitives.WriteInt64LittleEndian(body, timestamp);
        BinaryPrimitives.WriteInt32LittleEndian(record, body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], WalFormat.Crc32C(body));
    }

    /// <summary>The whole length of the record at the start of <paramref name="data"/>, or -1 if it is not a valid record.</summary>
    internal static int ReadRecord(ReadOnlySpan<byte> data, out long timestamp)
    {
        timestamp = 0;
        if (data.Length < RecordPrefixSize)
        {
            return -1;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < sizeof(long) + 1 || length > data.Length - RecordHeaderSize)
        {
            return -1;
        }

        var body = data.Slice(RecordHeaderSize, length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) != WalFormat.Crc32C(body))
        {
            return -1;
        }

        timestamp = BinaryPrimitives.ReadInt64LittleEndian(body);
        return RecordHeaderSize + length;
    }

    internal static int TableSize(IReadOnlyList<ExtentImage> extents)
    {
        var size = TableMagic.Length + sizeof(int);
        foreach (var extent in extents)
        {
            size += TableEntryHeaderSize + (extent.Live.Length * sizeof(ulong));
        }

        return size;
    }

    internal static void WriteTable(Span<byte> output, IReadOnlyList<ExtentImage> extents)
    {
        TableMagic.CopyTo(output);
        BinaryPrimitives.WriteInt32LittleEndian(output[8..], extents.Count);
        var at = 12;
        foreach (var extent in extents)
        {
            BinaryPrimitives.WriteInt64LittleEndian(output[at..], extent.Start);
            BinaryPrimitives.WriteInt32LittleEndian(output[(at + 8)..], extent.Blocks);
            BinaryPrimitives.WriteInt32LittleEndian(output[(at + 12)..], extent.UsedBytes);
            BinaryPrimitives.WriteInt32LittleEndian(output[(at + 16)..], extent.RecordCount);
            at += TableEntryHeaderSize;
            foreach (var word in extent.Live)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(output[at..], word);
                at += sizeof(ulong);
            }
        }
    }

    /// <summary>Reads a table whose checksum the header already confirmed.</summary>
    internal static List<ExtentImage> ReadTable(ReadOnlySpan<byte> table, string path, long offset)
    {
        if (table.Length < 12 || !table[..8].SequenceEqual(TableMagic))
        {
            throw new CorruptionException($"The checkpoint table in the data file '{path}' at offset {offset} is not a table.", path, offset);
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(table[8..]);
        var extents = new List<ExtentImage>(count);
        var at = 12;
        for (var i = 0; i < count; i++)
        {
            if (at + TableEntryHeaderSize > table.Length)
            {
                throw new CorruptionException($"The checkpoint table in the data file '{path}' at offset {offset} ends inside entry {i} of {count}.", path, offset + at);
            }

            var start = BinaryPrimitives.ReadInt64LittleEndian(table[at..]);
            var blocks = BinaryPrimitives.ReadInt32LittleEndian(table[(at + 8)..]);
            var used = BinaryPrimitives.ReadInt32LittleEndian(table[(at + 12)..]);
            var records = BinaryPrimitives.ReadInt32LittleEndian(table[(at + 16)..]);
            at += TableEntryHeaderSize;
            var words = new ulong[(records + 63) / 64];
            if (start < FirstDataBlock || blocks <= 0 || used < 0 || used > (long)blocks * BlockSize || records < 0 || at + (words.Length * sizeof(ulong)) > table.Length)
            {
                throw new CorruptionException($"The checkpoint table in the data file '{path}' at offset {offset} has an invalid entry {i}.", path, offset + at - TableEntryHeaderSize);
            }

            for (var w = 0; w < words.Length; w++)
            {
                words[w] = BinaryPrimitives.ReadUInt64LittleEndian(table[at..]);
                at += sizeof(ulong);
            }

            extents.Add(new ExtentImage(start, blocks, used, records, words));
        }

        return extents;
    }
}

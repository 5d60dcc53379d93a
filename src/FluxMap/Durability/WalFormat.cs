using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace FluxMap.Durability;

/// <summary>
/// The on-disk layout of the write-ahead log.
/// A segment is a file named <c>wal-NNNNNNNNNN.log</c> by increasing sequence number (see
/// <see cref="WalFileName"/>), starting with a 32-byte header: magic "FLUXWAL1", format version
/// (u32), flags (u32; bit 0: recycled), sequence (u64), reserved (u32), CRC32C of the first 28
/// bytes (u32). Records follow back to back, never spanning segments. After the last record comes
/// an end mark, a record header of zeros (length 0). A new segment is preallocated with zeros, so
/// its whole tail is zero. A recycled one (a retired segment reused without zeroing it) still holds
/// records of its previous life after the mark: those have LSNs below every record of its new
/// life, and the mark is what tells recovery that the log ends there cleanly rather than torn.
/// A record: body length (u32), CRC32C of the body (u32), then the body: LSN (u64, equal to the
/// commit timestamp), durable LSN when written (u64: every record up to it had been synced), kind
/// (u8), MessagePack payload. All integers little-endian.
/// </summary>
internal static class WalFormat
{
    internal const int FormatVersion = 1;
    internal const int SegmentHeaderSize = 32;
    internal const int RecordHeaderSize = 8;
    internal const int BodyPrefixSize = 17;
    internal const byte CommitKind = 1;

    private const uint RecycledFlag = 1;

    private static ReadOnlySpan<byte> Magic => "FLUXWAL1"u8;

    internal static void WriteSegmentHeader(Span<byte> header, long sequence, bool recycled)
    {
        header[..SegmentHeaderSize].Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], recycled ? RecycledFlag : 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32C(header[..28]));
    }

    /// <summary>Whether <paramref name="header"/> is a valid header of segment <paramref name="sequence"/>.</summary>
    internal static bool IsSegmentHeader(ReadOnlySpan<byte> header, long sequence) =>
        header.Length >= SegmentHeaderSize &&
        header[..8].SequenceEqual(Magic) &&
        BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) == Crc32C(header[..28]) &&
        BinaryPrimitives.ReadInt64LittleEndian(header[16..]) == sequence;

    /// <summary>Whether a valid segment header says the file may hold records of an earlier life after its end mark.</summary>
    internal static bool IsRecycled(ReadOnlySpan<byte> header) => (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) & RecycledFlag) != 0;

    /// <summary>
    /// Whether a log file starts with a segment header of this format (true) or with one never
    /// written (false: a crash while the segment was created); see <see cref="FormatIdentity"/>.
    /// </summary>
    /// <exception cref="CorruptionException">The file is not a segment FluxMap wrote, or of another format version.</exception>
    internal static bool CheckIdentity(ReadOnlySpan<byte> start, string path) =>
        FormatIdentity.Check(start, Magic, FormatVersion, path, "write-ahead log segment");

    /// <summary>Fills in the record header at the start of <paramref name="record"/>, whose body is already written.</summary>
    internal static void SealRecord(Span<byte> record, long lsn, long durableLsn, byte kind)
    {
        var body = record[RecordHeaderSize..];
        BinaryPrimitives.WriteInt64LittleEndian(body, lsn);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], durableLsn);
        body[16] = kind;
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32C(body));
    }

    /// <summary>
    /// Reads the record at <paramref name="offset"/> if it is whole and its checksum holds;
    /// cheap checks come first, so probing garbage at every offset stays affordable.
    /// </summary>
    internal static bool TryReadRecord(ReadOnlySpan<byte> segment, int offset, long minLsn, out WalRecordView record)
    {
        record = default;
        if (offset + RecordHeaderSize + BodyPrefixSize > segment.Length)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(segment[offset..]);
        if (length < BodyPrefixSize || length > segment.Length - offset - RecordHeaderSize)
        {
            return false;
        }

        var body = segment.Slice(offset + RecordHeaderSize, (int)length);
        var lsn = BinaryPrimitives.ReadInt64LittleEndian(body);
        var durable = BinaryPrimitives.ReadInt64LittleEndian(body[8..]);
        if (lsn < minLsn || durable < 0 || durable >= lsn || body[16] != CommitKind ||
            BinaryPrimitives.ReadUInt32LittleEndian(segment[(offset + 4)..]) != Crc32C(body))
        {
            return false;
        }

        record = new WalRecordView(lsn, durable, offset, RecordHeaderSize + (int)length, offset + RecordHeaderSize + BodyPrefixSize);
        return true;
    }

    /// <summary>
    /// CRC-32C (Castagnoli). System.IO.Hashing has no CRC-32C here, so this uses the BCL's
    /// BitOperations.Crc32C, which runs on the CPU's CRC instruction where there is one.
    /// </summary>
    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}

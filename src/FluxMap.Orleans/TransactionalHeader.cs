using System.Buffers.Binary;

namespace FluxMap.Grains;

/// <summary>
/// The header record of one grain's transactional state: <see cref="RecordFormat"/>'s start, the
/// committed sequence id (8 bytes, little-endian), then the serialized metadata.
/// </summary>
internal readonly record struct TransactionalHeader(string ETag, long CommittedSequenceId, ReadOnlyMemory<byte> Metadata)
{
    private const int FixedLength = RecordFormat.Length + 8;

    internal byte[] Encode()
    {
        var record = new byte[FixedLength + Metadata.Length];
        RecordFormat.Write(record, ETag);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(RecordFormat.Length, 8), CommittedSequenceId);
        Metadata.Span.CopyTo(record.AsSpan(FixedLength));
        return record;
    }

    internal static TransactionalHeader Decode(byte[] record) => new(
        RecordFormat.ReadETag(record, FixedLength, "transactional state header"),
        BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(RecordFormat.Length, 8)),
        record.AsMemory(FixedLength));
}

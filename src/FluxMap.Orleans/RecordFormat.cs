namespace FluxMap.Grains;

/// <summary>
/// The start every stored record shares: a format byte and a 16-byte ETag. ETags are random, never
/// counters, so a record cleared and written again cannot take an ETag a stale writer still holds.
/// </summary>
internal static class RecordFormat
{
    /// <summary>The bytes of the format byte and the ETag.</summary>
    internal const int Length = 1 + 16;

    private const byte Version = 1;

    internal static string NewETag() => Guid.NewGuid().ToString("N");

    internal static void Write(Span<byte> record, string etag)
    {
        record[0] = Version;
        Guid.ParseExact(etag, "N").TryWriteBytes(record.Slice(1, 16));
    }

    /// <summary>Checks the record's format and length and reads its ETag.</summary>
    internal static string ReadETag(byte[] record, int fixedLength, string what) =>
        record.Length >= fixedLength && record[0] == Version
            ? new Guid(record.AsSpan(1, 16)).ToString("N")
            : throw new InvalidDataException($"A {what} record is not in format {Version} (first byte {(record.Length > 0 ? record[0] : -1)}, {record.Length} bytes).");
}

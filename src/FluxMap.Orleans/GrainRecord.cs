namespace FluxMap.Grains;

/// <summary>The stored form of one grain state: <see cref="RecordFormat"/>'s start, then the serialized state.</summary>
internal static class GrainRecord
{
    private const string What = "grain state";

    internal static byte[] Encode(string etag, ReadOnlySpan<byte> state)
    {
        var record = new byte[RecordFormat.Length + state.Length];
        RecordFormat.Write(record, etag);
        state.CopyTo(record.AsSpan(RecordFormat.Length));
        return record;
    }

    internal static string ETagOf(byte[] record) => RecordFormat.ReadETag(record, RecordFormat.Length, What);

    internal static ReadOnlyMemory<byte> StateOf(byte[] record)
    {
        RecordFormat.ReadETag(record, RecordFormat.Length, What);
        return record.AsMemory(RecordFormat.Length);
    }
}

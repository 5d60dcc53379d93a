using System.Buffers.Binary;

namespace FluxMap.Replication;

/// <summary>
/// The forwarding channel's frames: a little-endian int32 length of what follows, the int64 id
/// that pairs a reply with its request, then the payload. A frame is at most <see cref="MaxPayload"/>
/// bytes of payload, so a broken or hostile peer cannot make a member allocate without bound.
/// </summary>
internal static class Frames
{
    internal const int MaxPayload = 16 << 20;

    private const int HeaderBytes = 12;

    internal static async ValueTask WriteAsync(Stream stream, long id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, sizeof(long) + payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(sizeof(int)), id);
        payload.Span.CopyTo(frame.AsSpan(HeaderBytes));
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the next frame; null when the peer closed the connection between frames.</summary>
    /// <exception cref="InvalidDataException">The length is out of bounds.</exception>
    /// <exception cref="EndOfStreamException">The connection closed inside a frame.</exception>
    internal static async ValueTask<(long Id, byte[] Payload)?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        var read = await stream.ReadAtLeastAsync(header, HeaderBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < HeaderBytes)
        {
            throw new EndOfStreamException();
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < sizeof(long) || length - sizeof(long) > MaxPayload)
        {
            throw new InvalidDataException($"A forwarding frame says it holds {length} bytes; the bound is {MaxPayload} bytes of payload.");
        }

        var payload = new byte[length - sizeof(long)];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        return (BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(sizeof(int))), payload);
    }
}

using System.Buffers;
using System.Buffers.Text;

namespace RespServer.Protocol;

/// <summary>
/// Reads client requests: RESP arrays of bulk strings (what every client library and redis-cli
/// send) and inline commands (a line of words, what telnet sends). The limits are Redis's.
/// </summary>
internal static class RespParser
{
    public const int MaxInlineLength = 64 * 1024;
    public const int MaxArguments = 1024 * 1024;
    public const long MaxBulkLength = 512L * 1024 * 1024;

    /// <summary>
    /// Reads one command from the front of <paramref name="buffer"/> into <paramref name="arguments"/>
    /// and slices it off. An empty line or an empty array is a command with no arguments, which
    /// the caller skips.
    /// </summary>
    /// <returns>False when the buffer does not yet hold a whole command; nothing is consumed then.</returns>
    /// <exception cref="RespProtocolException">The input is not RESP, so nothing after it can be framed.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, List<byte[]> arguments)
    {
        arguments.Clear();
        var reader = new SequenceReader<byte>(buffer);
        var complete = reader.IsNext((byte)'*')
            ? TryReadArray(ref reader, arguments)
            : TryReadInline(ref reader, arguments);
        if (complete)
        {
            buffer = buffer.Slice(reader.Position);
        }

        return complete;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, List<byte[]> arguments)
    {
        reader.Advance(1);
        if (!TryReadLength(ref reader, "multibulk", out var count))
        {
            return false;
        }

        if (count > MaxArguments)
        {
            throw new RespProtocolException("invalid multibulk length");
        }

        for (var i = 0; i < count; i++)
        {
            if (!reader.TryRead(out var marker))
            {
                return false;
            }

            if (marker != (byte)'$')
            {
                throw new RespProtocolException($"expected '$', got '{(char)marker}'");
            }

            if (!TryReadLength(ref reader, "bulk", out var length))
            {
                return false;
            }

            if (length is < 0 or > MaxBulkLength)
            {
                throw new RespProtocolException("invalid bulk length");
            }

            if (reader.Remaining < length + 2)
            {
                return false;
            }

            var argument = new byte[length];
            reader.TryCopyTo(argument);
            reader.Advance(length);
            if (!reader.IsNext("\r\n"u8, advancePast: true))
            {
                throw new RespProtocolException("expected CRLF after a bulk string");
            }

            arguments.Add(argument);
        }

        // A negative count is a null array, which Redis ignores as it does an empty one.
        return true;
    }

    private static bool TryReadLength(ref SequenceReader<byte> reader, string kind, out long value)
    {
        value = 0;
        if (!reader.TryReadTo(out ReadOnlySpan<byte> line, "\r\n"u8))
        {
            ThrowIfTooLong(ref reader, $"too big {kind} count string");
            return false;
        }

        if (!Utf8Parser.TryParse(line, out value, out var consumed) || consumed != line.Length)
        {
            throw new RespProtocolException($"invalid {kind} length");
        }

        return true;
    }

    private static bool TryReadInline(ref SequenceReader<byte> reader, List<byte[]> arguments)
    {
        if (!reader.TryReadTo(out ReadOnlySpan<byte> line, (byte)'\n'))
        {
            ThrowIfTooLong(ref reader, "too big inline request");
            return false;
        }

        var words = line.TrimEnd((byte)'\r');
        foreach (var word in words.SplitAny(" \t"u8))
        {
            if (!words[word].IsEmpty)
            {
                arguments.Add(words[word].ToArray());
            }
        }

        return true;
    }

    // Without a line end in sight, a peer that keeps sending would grow the buffer without bound.
    private static void ThrowIfTooLong(ref SequenceReader<byte> reader, string problem)
    {
        if (reader.Remaining > MaxInlineLength)
        {
            throw new RespProtocolException(problem);
        }
    }
}

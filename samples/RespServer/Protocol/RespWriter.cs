using System.Buffers;
using System.Globalization;
using System.Text;

namespace RespServer.Protocol;

/// <summary>Writes RESP2 replies into a buffer that the connection flushes once per batch of requests.</summary>
internal sealed class RespWriter(IBufferWriter<byte> output)
{
    // A one-byte marker, a 64-bit integer in decimal and CRLF.
    private const int MaxHeaderLength = 1 + 20 + 2;

    public void WriteOk() => output.Write("+OK\r\n"u8);

    public void WriteSimpleString(string text) => WriteLine((byte)'+', text);

    /// <summary>Writes an error; <paramref name="message"/> starts with its code, as in "ERR syntax error".</summary>
    public void WriteError(string message) => WriteLine((byte)'-', message);

    public void WriteInteger(long value) => WriteHeader((byte)':', value);

    /// <summary>Writes 1 or 0, which is how Redis answers yes-or-no commands.</summary>
    public void WriteInteger(bool value) => WriteInteger(value ? 1 : 0);

    public void WriteBulkString(ReadOnlySpan<byte> value)
    {
        WriteHeader((byte)'$', value.Length);
        output.Write(value);
        output.Write("\r\n"u8);
    }

    public void WriteBulkString(string text) => WriteBulkString(Encoding.UTF8.GetBytes(text));

    public void WriteNull() => output.Write("$-1\r\n"u8);

    /// <summary>Writes a value, or the null bulk string when there is none.</summary>
    public void WriteBulkOrNull(byte[]? value)
    {
        if (value is null)
        {
            WriteNull();
        }
        else
        {
            WriteBulkString(value);
        }
    }

    public void WriteArrayHeader(int count) => WriteHeader((byte)'*', count);

    private void WriteHeader(byte marker, long value)
    {
        var span = output.GetSpan(MaxHeaderLength);
        span[0] = marker;
        value.TryFormat(span[1..], out var written, provider: CultureInfo.InvariantCulture);
        "\r\n"u8.CopyTo(span[(1 + written)..]);
        output.Advance(1 + written + 2);
    }

    private void WriteLine(byte marker, string text)
    {
        // A line break inside a simple string or an error would end the reply early.
        var line = text.ReplaceLineEndings(" ");
        var span = output.GetSpan(1 + Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
        span[0] = marker;
        var written = Encoding.UTF8.GetBytes(line, span[1..]);
        "\r\n"u8.CopyTo(span[(1 + written)..]);
        output.Advance(1 + written + 2);
    }
}

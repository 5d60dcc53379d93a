using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RespServer.Tests;

/// <summary>
/// A raw RESP client: sends exactly the bytes a test gives it and reads replies as simple values
/// (string, long, null, object?[] or <see cref="RespError"/>). Every read gives up after 10 s, so
/// a missing reply fails the test instead of hanging it.
/// </summary>
internal sealed class RespTestClient : IAsyncDisposable
{
    // Latin-1 maps bytes to chars one to one, so bulk lengths in bytes are lengths in chars.
    private static readonly Encoding Bytes = Encoding.Latin1;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _deadline;

    private RespTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Bytes);
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _deadline.CancelAfter(TimeSpan.FromSeconds(10));
    }

    public static async Task<RespTestClient> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        return new RespTestClient(tcp);
    }

    public async Task SendAsync(string raw) => await _stream.WriteAsync(Bytes.GetBytes(raw), _deadline.Token);

    /// <summary>Sends one command as a RESP array of bulk strings and reads its reply.</summary>
    public async Task<object?> CommandAsync(params string[] arguments)
    {
        await SendAsync(Encode(arguments));
        return await ReadReplyAsync();
    }

    public static string Encode(params string[] arguments) =>
        $"*{arguments.Length}\r\n" + string.Concat(arguments.Select(a => $"${Bytes.GetByteCount(a)}\r\n{a}\r\n"));

    public async Task<object?> ReadReplyAsync()
    {
        var line = await _reader.ReadLineAsync(_deadline.Token) ?? throw new EndOfStreamException("The server closed the connection.");
        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                return new RespError(rest);
            case ':':
                return long.Parse(rest, CultureInfo.InvariantCulture);
            case '$' when rest == "-1":
                return null;
            case '$':
                var bulk = new char[int.Parse(rest, CultureInfo.InvariantCulture) + 2];
                await _reader.ReadBlockAsync(bulk, _deadline.Token);
                return new string(bulk, 0, bulk.Length - 2);
            case '*':
                var items = new object?[int.Parse(rest, CultureInfo.InvariantCulture)];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = await ReadReplyAsync();
                }

                return items;
            default:
                throw new InvalidDataException($"Not a RESP reply: {line}");
        }
    }

    /// <summary>Whether the server has closed the connection, with nothing more to read.</summary>
    public async Task<bool> IsClosedAsync() => await _reader.ReadLineAsync(_deadline.Token) is null;

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _tcp.Dispose();
        _deadline.Dispose();
        return ValueTask.CompletedTask;
    }
}

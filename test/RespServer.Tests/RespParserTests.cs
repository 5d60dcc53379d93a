using System.Buffers;
using System.Text;
using RespServer.Protocol;

namespace RespServer.Tests;

public sealed class RespParserTests
{
    private readonly List<byte[]> _arguments = [];

    [Fact]
    public void Reads_an_array_of_bulk_strings_including_binary_ones()
    {
        var buffer = Sequence("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n");

        Assert.True(RespParser.TryRead(ref buffer, _arguments));

        Assert.Equal(["SET", "k", "a\r\nb"], Words());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Reads_every_command_of_a_pipelined_batch_in_order()
    {
        var buffer = Sequence("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nINCR b\r\n*1\r\n$4\r\nPI");

        var commands = new List<string>();
        while (RespParser.TryRead(ref buffer, _arguments))
        {
            commands.Add(string.Join(' ', Words()));
        }

        Assert.Equal(["PING", "GET a", "INCR b"], commands);
        Assert.Equal("*1\r\n$4\r\nPI", Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public void A_command_split_anywhere_waits_for_the_rest_and_is_then_read_whole()
    {
        var request = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
        for (var split = 1; split < request.Length; split++)
        {
            var part = new ReadOnlySequence<byte>(request.AsMemory(0, split));
            Assert.False(RespParser.TryRead(ref part, _arguments));
            Assert.Equal(split, part.Length);

            var whole = Chunks.Of(request[..split], request[split..]);
            Assert.True(RespParser.TryRead(ref whole, _arguments));
            Assert.Equal(["SET", "key", "value"], Words());
            Assert.True(whole.IsEmpty);
        }
    }

    [Theory]
    [InlineData("PING\r\n", "PING")]
    [InlineData("PING\n", "PING")]
    [InlineData("  SET \t k   v \r\n", "SET k v")]
    public void Reads_inline_commands(string request, string expected)
    {
        var buffer = Sequence(request);

        Assert.True(RespParser.TryRead(ref buffer, _arguments));

        Assert.Equal(expected, string.Join(' ', Words()));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("*0\r\n")]
    [InlineData("*-1\r\n")]
    public void Empty_lines_and_arrays_are_commands_without_arguments(string request)
    {
        var buffer = Sequence(request);

        Assert.True(RespParser.TryRead(ref buffer, _arguments));

        Assert.Empty(_arguments);
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("*x\r\n", "invalid multibulk length")]
    [InlineData("*1x\r\n", "invalid multibulk length")]
    [InlineData("*2000000\r\n", "invalid multibulk length")]
    [InlineData("*1\r\n+PING\r\n", "expected '$', got '+'")]
    [InlineData("*1\r\n$x\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$-1\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$4\r\nPINGxx", "expected CRLF after a bulk string")]
    public void Malformed_requests_are_protocol_errors(string request, string problem)
    {
        var buffer = Sequence(request);

        var error = Assert.Throws<RespProtocolException>(() => RespParser.TryRead(ref buffer, _arguments));

        Assert.Equal($"ERR Protocol error: {problem}", error.Message);
    }

    [Fact]
    public void An_oversized_bulk_length_is_refused_before_its_data_arrives()
    {
        var atLimit = Sequence($"*1\r\n${RespParser.MaxBulkLength}\r\n");
        var overLimit = Sequence($"*1\r\n${RespParser.MaxBulkLength + 1}\r\n");
        var huge = Sequence("*1\r\n$999999999999999999\r\n");

        Assert.False(RespParser.TryRead(ref atLimit, _arguments));
        Assert.Equal("ERR Protocol error: invalid bulk length", Assert.Throws<RespProtocolException>(() => RespParser.TryRead(ref overLimit, _arguments)).Message);
        Assert.Equal("ERR Protocol error: invalid bulk length", Assert.Throws<RespProtocolException>(() => RespParser.TryRead(ref huge, _arguments)).Message);
    }

    [Theory]
    [InlineData("", "too big inline request")]
    [InlineData("*", "too big multibulk count string")]
    [InlineData("*1\r\n$", "too big bulk count string")]
    public void A_line_without_an_end_is_refused_once_it_passes_the_inline_limit(string start, string problem)
    {
        var withinLimit = Sequence(start + new string('1', RespParser.MaxInlineLength - start.Length));
        var overLimit = Sequence(start + new string('1', RespParser.MaxInlineLength + 1));

        Assert.False(RespParser.TryRead(ref withinLimit, _arguments));
        Assert.Equal($"ERR Protocol error: {problem}", Assert.Throws<RespProtocolException>(() => RespParser.TryRead(ref overLimit, _arguments)).Message);
    }

    private static ReadOnlySequence<byte> Sequence(string text) => new(Encoding.ASCII.GetBytes(text));

    private string[] Words() => [.. _arguments.Select(Encoding.ASCII.GetString)];
}

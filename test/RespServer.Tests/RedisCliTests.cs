using System.Globalization;

namespace RespServer.Tests;

/// <summary>Round trips with the real redis-cli, one process per command as a user types them.</summary>
public sealed class RedisCliTests : IAsyncLifetime
{
    private RespServerHost _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await RespServerHost.StartAsync(new RespServerOptions { Port = 0 }, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Set_get_and_a_missing_key()
    {
        Assert.Equal("OK", await CliAsync("SET", "greeting", "hello world"));
        Assert.Equal("hello world", await CliAsync("GET", "greeting"));
        Assert.Equal("", await CliAsync("GET", "missing"));
    }

    [Fact]
    public async Task Incr_counts_and_refuses_text()
    {
        Assert.Equal("1", await CliAsync("INCR", "visits"));
        Assert.Equal("2", await CliAsync("INCR", "visits"));
        Assert.Equal("12", await CliAsync("INCRBY", "visits", "10"));
        Assert.Equal("OK", await CliAsync("SET", "name", "abc"));
        Assert.Equal("ERR value is not an integer or out of range", await CliAsync("INCR", "name"));
    }

    [Fact]
    public async Task Expire_ttl_and_persist()
    {
        Assert.Equal("OK", await CliAsync("SET", "session", "data"));
        Assert.Equal("1", await CliAsync("EXPIRE", "session", "100"));
        Assert.InRange(long.Parse(await CliAsync("TTL", "session"), CultureInfo.InvariantCulture), 99, 100);
        Assert.Equal("1", await CliAsync("PERSIST", "session"));
        Assert.Equal("-1", await CliAsync("TTL", "session"));
        Assert.Equal("-2", await CliAsync("TTL", "missing"));
    }

    [Fact]
    public async Task Mset_mget_and_del()
    {
        Assert.Equal("OK", await CliAsync("MSET", "a", "1", "b", "2", "c", "3"));
        Assert.Equal("1\n\n3", await CliAsync("MGET", "a", "missing", "c"));
        Assert.Equal("2", await CliAsync("DEL", "a", "b", "missing"));
        Assert.Equal("1", await CliAsync("EXISTS", "a", "b", "c"));
    }

    [Fact]
    public async Task Scan_match_pages_through_a_prefix()
    {
        Assert.Equal("OK", await CliAsync("MSET", "user:1", "x", "user:2", "x", "user:3", "x", "order:1", "x"));

        Assert.Equal("user:2\nuser:1\nuser:2", await CliAsync("SCAN", "0", "MATCH", "user:*", "COUNT", "2"));
        Assert.Equal("0\nuser:3", await CliAsync("SCAN", "user:2", "MATCH", "user:*", "COUNT", "2"));
    }

    [Fact]
    public async Task Pipe_mode_sends_a_thousand_commands_in_one_stream()
    {
        var commands = string.Concat(Enumerable.Range(0, 1000).Select(i => RespTestClient.Encode("SET", $"key:{i}", $"value {i}")));

        var pipe = await RedisTool.RunAsync("redis-cli", ["-p", Port, "--pipe"], commands);

        Assert.Equal(0, pipe.ExitCode);
        Assert.Contains("errors: 0, replies: 1000", pipe.Output, StringComparison.Ordinal);
        Assert.Equal("1000", await CliAsync("DBSIZE"));
        Assert.Equal("value 999", await CliAsync("GET", "key:999"));
    }

    private string Port => _server.EndPoint.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs redis-cli with one command and returns what it printed, without the final line break.</summary>
    private async Task<string> CliAsync(params string[] command)
    {
        var cli = await RedisTool.RunAsync("redis-cli", ["-p", Port, .. command]);
        Assert.True(cli.ExitCode == 0, $"redis-cli exited with {cli.ExitCode}: {cli.Error}");
        return cli.Output.TrimEnd('\n');
    }
}

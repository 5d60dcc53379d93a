using FluxMap;
using Microsoft.Extensions.Time.Testing;

namespace RespServer.Tests;

/// <summary>The server in process on a free port, driven over a raw socket.</summary>
public sealed class RespServerTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pipelined_requests_in_one_write_get_their_replies_in_order()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        await client.SendAsync("SET a 1\r\n" + RespTestClient.Encode("INCR", "a") + "GET a\r\nPING\r\n" + RespTestClient.Encode("ECHO", "x\r\ny"));

        Assert.Equal("OK", await client.ReadReplyAsync());
        Assert.Equal(2L, await client.ReadReplyAsync());
        Assert.Equal("2", await client.ReadReplyAsync());
        Assert.Equal("PONG", await client.ReadReplyAsync());
        Assert.Equal("x\r\ny", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task A_request_sent_a_byte_at_a_time_is_answered_once()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        foreach (var b in RespTestClient.Encode("SET", "key", "value") + "GET key\r\n")
        {
            await client.SendAsync(b.ToString());
        }

        Assert.Equal("OK", await client.ReadReplyAsync());
        Assert.Equal("value", await client.ReadReplyAsync());
    }

    [Theory]
    [InlineData("*1\r\n$999999999999\r\n", "invalid bulk length")]
    [InlineData("*abc\r\n", "invalid multibulk length")]
    [InlineData("*1\r\n:1\r\n", "expected '$', got ':'")]
    public async Task A_request_that_cannot_be_framed_gets_an_error_and_the_connection_closes(string request, string problem)
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        await client.SendAsync("PING\r\n" + request + "PING\r\n");

        Assert.Equal("PONG", await client.ReadReplyAsync());
        Assert.Equal(new RespError($"ERR Protocol error: {problem}"), await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
        await using var next = await RespTestClient.ConnectAsync(server.EndPoint);
        Assert.Equal("PONG", await next.CommandAsync("PING"));
    }

    [Fact]
    public async Task Unknown_commands_and_bad_arguments_get_errors_and_the_connection_stays_open()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        Assert.Equal(new RespError("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "), await client.CommandAsync("FOO", "a", "b"));
        Assert.Equal(new RespError("ERR wrong number of arguments for 'get' command"), await client.CommandAsync("GET"));
        Assert.Equal(new RespError("ERR wrong number of arguments for 'mset' command"), await client.CommandAsync("MSET", "a", "1", "b"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CommandAsync("SET", "k", "v", "EX"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CommandAsync("SET", "k", "v", "NX", "XX"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CommandAsync("SET", "k", "v", "KEEPTTL"));
        Assert.Equal(new RespError("ERR invalid expire time in 'set' command"), await client.CommandAsync("SET", "k", "v", "EX", "0"));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CommandAsync("SET", "k", "v", "PX", "soon"));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CommandAsync("INCRBY", "k", "1.5"));
        Assert.Equal(new RespError("ERR only MATCH patterns of the form prefix* are supported"), await client.CommandAsync("SCAN", "0", "MATCH", "a*b*"));
        Assert.Equal(new RespError("ERR syntax error"), await client.CommandAsync("SCAN", "0", "COUNT", "0"));
        Assert.Null(await client.CommandAsync("GET", "k"));
        Assert.Equal("PONG", await client.CommandAsync("ping"));
    }

    [Fact]
    public async Task Counters_count_and_a_failed_increment_leaves_the_value_unchanged()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        Assert.Equal(1L, await client.CommandAsync("INCR", "n"));
        Assert.Equal(11L, await client.CommandAsync("INCRBY", "n", "10"));
        Assert.Equal(10L, await client.CommandAsync("DECR", "n"));
        Assert.Equal(-5L, await client.CommandAsync("DECRBY", "n", "15"));
        Assert.Equal("-5", await client.CommandAsync("GET", "n"));

        Assert.Equal("OK", await client.CommandAsync("SET", "text", "abc"));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CommandAsync("INCR", "text"));
        Assert.Equal("abc", await client.CommandAsync("GET", "text"));

        Assert.Equal("OK", await client.CommandAsync("SET", "max", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CommandAsync("INCR", "max"));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await client.CommandAsync("DECRBY", "n", "-9223372036854775808"));
        Assert.Equal("9223372036854775807", await client.CommandAsync("GET", "max"));
    }

    [Fact]
    public async Task Concurrent_increments_from_many_connections_are_never_lost()
    {
        await using var server = await StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var client = await RespTestClient.ConnectAsync(server.EndPoint);
            await client.SendAsync(string.Concat(Enumerable.Repeat("INCR counter\r\n", 250)));
            for (var i = 0; i < 250; i++)
            {
                Assert.IsType<long>(await client.ReadReplyAsync());
            }
        }));

        await using var reader = await RespTestClient.ConnectAsync(server.EndPoint);
        Assert.Equal("2000", await reader.CommandAsync("GET", "counter"));
    }

    [Fact]
    public async Task Expiry_runs_on_the_database_clock()
    {
        var clock = new FakeTimeProvider();
        await using var server = await StartAsync(new RespServerOptions { Port = 0, TimeProvider = clock });
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        Assert.Equal("OK", await client.CommandAsync("SET", "k", "v", "EX", "10"));
        Assert.Equal(10L, await client.CommandAsync("TTL", "k"));
        Assert.Equal(10_000L, await client.CommandAsync("PTTL", "k"));
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(6L, await client.CommandAsync("TTL", "k"));
        Assert.Equal(1L, await client.CommandAsync("PEXPIRE", "k", "1500"));
        Assert.Equal(2L, await client.CommandAsync("TTL", "k"));
        Assert.Equal(1L, await client.CommandAsync("PERSIST", "k"));
        Assert.Equal(0L, await client.CommandAsync("PERSIST", "k"));
        Assert.Equal(-1L, await client.CommandAsync("TTL", "k"));

        Assert.Equal(1L, await client.CommandAsync("EXPIRE", "k", "1"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await client.CommandAsync("GET", "k"));
        Assert.Equal(-2L, await client.CommandAsync("TTL", "k"));
        Assert.Equal(0L, await client.CommandAsync("EXISTS", "k"));
        Assert.Equal(0L, await client.CommandAsync("EXPIRE", "k", "5"));

        // As in Redis, a time-to-live that is not positive deletes the key.
        Assert.Equal("OK", await client.CommandAsync("SET", "gone", "v"));
        Assert.Equal(1L, await client.CommandAsync("EXPIRE", "gone", "-1"));
        Assert.Equal(0L, await client.CommandAsync("EXISTS", "gone"));
    }

    [Fact]
    public async Task Set_honours_NX_XX_and_a_plain_set_clears_the_time_to_live()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        Assert.Null(await client.CommandAsync("SET", "k", "v", "XX"));
        Assert.Equal("OK", await client.CommandAsync("SET", "k", "v", "NX"));
        Assert.Null(await client.CommandAsync("SET", "k", "w", "NX"));
        Assert.Equal("OK", await client.CommandAsync("SET", "k", "w", "xx", "px", "5000"));
        Assert.Equal("w", await client.CommandAsync("GET", "k"));
        Assert.Equal(5L, await client.CommandAsync("TTL", "k"));
        Assert.Equal("OK", await client.CommandAsync("SET", "k", "x"));
        Assert.Equal(-1L, await client.CommandAsync("TTL", "k"));
    }

    [Fact]
    public async Task Multi_key_commands_count_each_key_as_Redis_does()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        Assert.Equal("OK", await client.CommandAsync("MSET", "a", "1", "b", "2"));
        Assert.Equal(new object?[] { "1", null, "2" }, await client.CommandAsync("MGET", "a", "missing", "b"));
        Assert.Equal(3L, await client.CommandAsync("EXISTS", "a", "a", "b", "missing"));
        Assert.Equal(2L, await client.CommandAsync("DBSIZE"));
        Assert.Equal(1L, await client.CommandAsync("DEL", "a", "a", "missing"));
        Assert.Equal(1L, await client.CommandAsync("DBSIZE"));
    }

    [Fact]
    public async Task Scan_walks_a_prefix_in_pages_whose_cursor_is_the_last_key()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);
        var users = Enumerable.Range(0, 25).Select(i => $"user:{i:D2}").ToArray();
        Assert.Equal("OK", await client.CommandAsync(["MSET", .. users.SelectMany(u => new[] { u, "x" }), "a", "x", "user", "x", "zzz", "x"]));

        var (pages, keys) = await ScanAllAsync(client, "MATCH", "user:*", "COUNT", "7");

        Assert.Equal(users, keys);
        Assert.Equal(["user:06", "user:13", "user:20", "0"], pages);
        Assert.Equal(["a", "user", .. users, "zzz"], (await ScanAllAsync(client)).Keys);
        Assert.Empty((await ScanAllAsync(client, "MATCH", "nobody:*")).Keys);
    }

    [Fact]
    public async Task A_scan_page_never_ends_on_the_key_0_which_would_read_as_the_end()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);
        Assert.Equal("OK", await client.CommandAsync("MSET", "0", "x", "1", "x", "2", "x"));

        var (pages, keys) = await ScanAllAsync(client, "COUNT", "1");

        Assert.Equal(["0", "1", "2"], keys);
        Assert.Equal(["1", "0"], pages);
    }

    [Fact]
    public async Task Inline_commands_work_as_telnet_sends_them()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        await client.SendAsync("ping\r\n\r\nSET greeting hello\nGET greeting\r\nQUIT\r\nPING\r\n");

        Assert.Equal("PONG", await client.ReadReplyAsync());
        Assert.Equal("OK", await client.ReadReplyAsync());
        Assert.Equal("hello", await client.ReadReplyAsync());
        Assert.Equal("OK", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Command_and_config_answer_what_redis_cli_and_redis_benchmark_ask_at_start()
    {
        await using var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);

        Assert.Equal(new object?[] { "save", "", "appendonly", "no" }, await client.CommandAsync("CONFIG", "GET", "save", "APPENDONLY", "maxmemory"));
        Assert.Equal(26L, await client.CommandAsync("COMMAND", "COUNT"));
        Assert.Equal(Array.Empty<object?>(), await client.CommandAsync("COMMAND", "DOCS"));
        Assert.Equal(new RespError("ERR only CONFIG GET is supported"), await client.CommandAsync("CONFIG", "SET", "save", ""));
    }

    [Fact]
    public async Task Stopping_the_server_closes_open_connections()
    {
        var server = await StartAsync();
        await using var client = await RespTestClient.ConnectAsync(server.EndPoint);
        Assert.Equal("PONG", await client.CommandAsync("PING"));

        await server.DisposeAsync();

        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Data_and_expiry_survive_a_restart_in_Relaxed_durability()
    {
        using var directory = new TempDirectory();
        var options = new RespServerOptions { Port = 0, Database = new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = directory.Path } };
        await using (var server = await StartAsync(options))
        {
            await using var client = await RespTestClient.ConnectAsync(server.EndPoint);
            Assert.Equal("OK", await client.CommandAsync("MSET", "a", "1", "b", "2"));
            Assert.Equal(1L, await client.CommandAsync("EXPIRE", "b", "1000"));
        }

        await using (var server = await StartAsync(options))
        {
            await using var client = await RespTestClient.ConnectAsync(server.EndPoint);
            Assert.Equal(new object?[] { "1", "2" }, await client.CommandAsync("MGET", "a", "b"));
            Assert.InRange((long)(await client.CommandAsync("TTL", "b"))!, 1, 1000);
        }
    }

    [Fact]
    public void Command_line_options_set_the_port_and_durability()
    {
        var options = RespServerOptions.Parse(["--port", "0", "--durability", "full", "--data", "/tmp/x"]);

        Assert.Equal(0, options.Port);
        Assert.Equal(DurabilityMode.Full, options.Database.Durability);
        Assert.Equal("/tmp/x", options.Database.DataDirectory);
        Assert.Equal(6380, RespServerOptions.Parse([]).Port);
        Assert.Throws<ArgumentException>(() => RespServerOptions.Parse(["--port", "70000"]));
        Assert.Throws<ArgumentException>(() => RespServerOptions.Parse(["--durability"]));
        Assert.Throws<ArgumentException>(() => RespServerOptions.Parse(["--verbose", "yes"]));
    }

    private static Task<RespServerHost> StartAsync(RespServerOptions? options = null) =>
        RespServerHost.StartAsync(options ?? new RespServerOptions { Port = 0 }, Cancellation);

    /// <summary>Follows SCAN's cursors to the end, returning each page's cursor and every key in order.</summary>
    private static async Task<(List<string> Pages, List<string> Keys)> ScanAllAsync(RespTestClient client, params string[] options)
    {
        var (pages, keys, cursor) = (new List<string>(), new List<string>(), "0");
        do
        {
            var page = Assert.IsType<object?[]>(await client.CommandAsync(["SCAN", cursor, .. options]));
            cursor = Assert.IsType<string>(page[0]);
            pages.Add(cursor);
            keys.AddRange(Assert.IsType<object?[]>(page[1]).Cast<string>());
        }
        while (cursor != "0");
        return (pages, keys);
    }
}

using StackExchange.Redis;

namespace RespServer.Tests;

/// <summary>
/// Round trips with StackExchange.Redis, the client .NET users reach Redis with: its handshake,
/// typed commands, errors and pipelining. Malformed input is RespServerTests' job, over a raw socket.
/// </summary>
public sealed class StackExchangeRedisTests : IAsyncLifetime
{
    private RespServerHost _server = null!;
    private ConnectionMultiplexer _redis = null!;

    private IDatabase Db => _redis.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        _server = await RespServerHost.StartAsync(new RespServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        _redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { _server.EndPoint },
            AbortOnConnectFail = true,
            ConnectTimeout = 10_000,
            SyncTimeout = 10_000,
            AsyncTimeout = 10_000,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task The_client_connects_and_sees_a_working_server()
    {
        Assert.True(_redis.IsConnected);
        Assert.True(await Db.PingAsync() < TimeSpan.FromSeconds(10));
        Assert.Equal("hello", (string?)await Db.ExecuteAsync("ECHO", "hello"));
    }

    [Fact]
    public async Task Set_get_and_a_missing_key()
    {
        Assert.True(await Db.StringSetAsync("greeting", "hello world"));
        Assert.Equal("hello world", await Db.StringGetAsync("greeting"));
        Assert.True((await Db.StringGetAsync("missing")).IsNull);
        Assert.False(await Db.StringSetAsync("greeting", "again", when: When.NotExists));
        Assert.Equal("hello world", await Db.StringGetAsync("greeting"));
    }

    [Fact]
    public async Task Incr_counts_and_refuses_text()
    {
        Assert.Equal(1, await Db.StringIncrementAsync("visits"));
        Assert.Equal(2, await Db.StringIncrementAsync("visits"));
        Assert.Equal(12, await Db.StringIncrementAsync("visits", 10));
        Assert.Equal(9, await Db.StringDecrementAsync("visits", 3));
        await Db.StringSetAsync("name", "abc");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => Db.StringIncrementAsync("name"));
        Assert.Equal("ERR value is not an integer or out of range", error.Message);
        Assert.Equal("abc", await Db.StringGetAsync("name"));
    }

    [Fact]
    public async Task Expire_ttl_and_persist()
    {
        await Db.StringSetAsync("session", "data");

        Assert.True(await Db.KeyExpireAsync("session", TimeSpan.FromSeconds(100)));
        Assert.InRange((await Db.KeyTimeToLiveAsync("session"))!.Value, TimeSpan.FromSeconds(99), TimeSpan.FromSeconds(100));
        Assert.True(await Db.KeyPersistAsync("session"));
        Assert.Null(await Db.KeyTimeToLiveAsync("session"));
        Assert.Null(await Db.KeyTimeToLiveAsync("missing"));
        Assert.True(await Db.StringSetAsync("short", "lived", TimeSpan.FromMinutes(1)));
        Assert.NotNull(await Db.KeyTimeToLiveAsync("short"));
    }

    [Fact]
    public async Task Mset_mget_del_and_exists_take_many_keys()
    {
        Assert.True(await Db.StringSetAsync([new("a", "1"), new("b", "2"), new("c", "3")]));

        Assert.Equal(["1", null, "3"], (await Db.StringGetAsync(["a", "missing", "c"])).Select(v => (string?)v));
        Assert.Equal(2, await Db.KeyDeleteAsync(["a", "b", "missing"]));
        Assert.Equal(1, await Db.KeyExistsAsync(["a", "b", "c"]));
        Assert.Equal(1L, (long)await Db.ExecuteAsync("DBSIZE"));
    }

    [Fact]
    public async Task Scan_pages_through_a_prefix_with_the_last_key_as_cursor()
    {
        await Db.StringSetAsync([new("user:1", "x"), new("user:2", "x"), new("user:3", "x"), new("order:1", "x")]);

        // The cursor is a key, not a number, so SCAN goes through ExecuteAsync rather than the client's numeric-cursor walk.
        var first = (RedisResult[])(await Db.ExecuteAsync("SCAN", "0", "MATCH", "user:*", "COUNT", "2"))!;
        var second = (RedisResult[])(await Db.ExecuteAsync("SCAN", (string)first[0]!, "MATCH", "user:*", "COUNT", "2"))!;

        Assert.Equal("user:2", (string?)first[0]);
        Assert.Equal(["user:1", "user:2"], ((RedisResult[])first[1]!).Select(k => (string?)k));
        Assert.Equal("0", (string?)second[0]);
        Assert.Equal(["user:3"], ((RedisResult[])second[1]!).Select(k => (string?)k));
    }

    [Fact]
    public async Task A_thousand_pipelined_commands_all_get_their_replies()
    {
        var sets = Enumerable.Range(0, 1000).Select(i => Db.StringSetAsync($"key:{i}", $"value {i}")).ToList();
        var gets = Enumerable.Range(0, 1000).Select(i => Db.StringGetAsync($"key:{i}")).ToList();

        Assert.All(await Task.WhenAll(sets), Assert.True);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"value {i}"), (await Task.WhenAll(gets)).Select(v => (string?)v));
        Assert.Equal(1000L, (long)await Db.ExecuteAsync("DBSIZE"));
    }

    [Fact]
    public async Task Unsupported_commands_fail_as_errors_and_the_connection_stays_usable()
    {
        var error = await Assert.ThrowsAsync<RedisServerException>(() => Db.ListLeftPushAsync("list", "x"));

        Assert.StartsWith("ERR unknown command 'LPUSH'", error.Message, StringComparison.Ordinal);
        Assert.True(await Db.StringSetAsync("after", "ok"));
        Assert.Equal("ok", await Db.StringGetAsync("after"));
    }
}

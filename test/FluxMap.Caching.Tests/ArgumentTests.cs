using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using static FluxMap.Caching.Tests.CacheHost;

namespace FluxMap.Caching.Tests;

/// <summary>What callers get wrong, and the edges: null and empty keys, null values, cancelled tokens, calls outside the host's lifetime.</summary>
public sealed class ArgumentTests
{
    private static readonly byte[] Value = [42];
    private static readonly DistributedCacheEntryOptions NoExpiry = new();

    [Fact]
    public async Task A_null_key_value_or_options_is_refused_by_every_member()
    {
        await using var host = await StartAsync();
        var cache = host.Cache;
        var buffer = (IBufferDistributedCache)cache;
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentNullException>(() => cache.Get(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetAsync(null!, Ct));
        Assert.Throws<ArgumentNullException>(() => cache.Set(null!, Value, NoExpiry));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync(null!, Value, NoExpiry, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync("k", null!, NoExpiry, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetAsync("k", Value, null!, Ct));
        Assert.Throws<ArgumentNullException>(() => cache.Refresh(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.RefreshAsync(null!, Ct));
        Assert.Throws<ArgumentNullException>(() => cache.Remove(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.RemoveAsync(null!, Ct));
        Assert.Throws<ArgumentNullException>(() => buffer.TryGet(null!, writer));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await buffer.TryGetAsync("k", null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await buffer.SetAsync(null!, new ReadOnlySequence<byte>(Value), NoExpiry, Ct));
        Assert.Equal(0, host.Store.GetStatistics().Count);
    }

    [Fact]
    public async Task An_empty_key_and_an_empty_value_are_ordinary_entries()
    {
        await using var host = await StartAsync();
        var cache = host.Cache;
        await cache.SetAsync("", Value, NoExpiry, Ct);
        await cache.SetAsync("empty", [], NoExpiry, Ct);

        Assert.Equal(Value, await cache.GetAsync("", Ct));
        Assert.Empty(Assert.IsType<byte[]>(await cache.GetAsync("empty", Ct)));
        await cache.RemoveAsync("", Ct);
        Assert.Null(cache.Get(""));
        Assert.Empty(Assert.IsType<byte[]>(cache.Get("empty")));
    }

    [Fact]
    public async Task A_cancelled_token_cancels_every_call_before_it_changes_anything()
    {
        await using var host = await StartAsync();
        var cache = host.Cache;
        await cache.SetAsync("k", Value, NoExpiry, Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetAsync("k", [7], NoExpiry, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RefreshAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RemoveAsync("k", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ((IBufferDistributedCache)cache).TryGetAsync("k", new ArrayBufferWriter<byte>(), cancelled.Token));

        Assert.Equal(Value, await cache.GetAsync("k", Ct));
        Assert.Equal(1, host.Store.GetStatistics().Commits);
    }

    [Fact]
    public async Task The_buffer_members_read_and_write_what_the_array_members_do()
    {
        await using var host = await StartAsync();
        var buffer = (IBufferDistributedCache)host.Cache;
        var first = new ReadOnlySequenceSegment(new byte[] { 1, 2 });
        var sequence = new ReadOnlySequence<byte>(first, 0, first.Append(new byte[] { 3, 4, 5 }), 3);
        await buffer.SetAsync("multi", sequence, NoExpiry, Ct);
        buffer.Set("single", new ReadOnlySequence<byte>(Value), NoExpiry);

        var writer = new ArrayBufferWriter<byte>();
        Assert.True(await buffer.TryGetAsync("multi", writer, Ct));
        Assert.True(buffer.TryGet("single", writer));
        Assert.False(buffer.TryGet("missing", writer));
        Assert.Equal([1, 2, 3, 4, 5, 42], writer.WrittenSpan.ToArray());
        Assert.Equal([1, 2, 3, 4, 5], await host.Cache.GetAsync("multi", Ct));
    }

    [Fact]
    public async Task Calls_before_the_host_starts_say_so_and_calls_after_it_stops_find_the_database_closed()
    {
        using var host = Build();
        var cache = host.Services.GetRequiredService<IDistributedCache>();
        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync("k", Ct));
        Assert.Contains("opens when the host starts", early.Message, StringComparison.Ordinal);

        await host.StartAsync(Ct);
        await cache.SetAsync("k", Value, NoExpiry, Ct);
        Assert.Equal(Value, await cache.GetAsync("k", Ct));
        await host.StopAsync(Ct);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.GetAsync("k", Ct));
        Assert.Throws<ObjectDisposedException>(() => cache.Set("k", Value, NoExpiry));
    }

    [Fact]
    public void Registering_the_cache_twice_is_refused()
    {
        var services = new ServiceCollection().AddFluxMapDistributedCache(_ => { });
        Assert.Throws<InvalidOperationException>(() => services.AddFluxMapDistributedCache(_ => { }));
    }

    private sealed class ReadOnlySequenceSegment : ReadOnlySequenceSegment<byte>
    {
        public ReadOnlySequenceSegment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public ReadOnlySequenceSegment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new ReadOnlySequenceSegment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}

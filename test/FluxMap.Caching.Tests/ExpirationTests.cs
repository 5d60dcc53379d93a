using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;
using static FluxMap.Caching.Tests.CacheHost;

namespace FluxMap.Caching.Tests;

/// <summary>A cache entry's absolute and sliding expiration are its key's time-to-live in the database, on the host's clock.</summary>
public sealed class ExpirationTests
{
    private static readonly byte[] Value = [1, 2, 3];

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Absolute_expiration_relative_or_as_a_date_ends_the_entry_exactly_then()
    {
        await using var host = await StartAsync(_clock);
        var cache = host.Cache;
        await cache.SetAsync("relative", Value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10) }, Ct);
        await cache.SetAsync("date", Value, new DistributedCacheEntryOptions { AbsoluteExpiration = _clock.GetUtcNow().AddSeconds(20) }, Ct);
        await cache.SetAsync("forever", Value, new DistributedCacheEntryOptions(), Ct);

        Assert.Equal(TimeSpan.FromSeconds(10), (await host.Database.GetTimeToLiveAsync("relative", Ct)).Value);
        Assert.Null((await host.Database.GetTimeToLiveAsync("forever", Ct)).Value);
        _clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.Equal(Value, await cache.GetAsync("relative", Ct));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await cache.GetAsync("relative", Ct));

        // A read of an entry without a sliding expiration changes nothing.
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(Value, await cache.GetAsync("date", Ct));
        await cache.RefreshAsync("date", Ct);
        Assert.Equal(TimeSpan.FromSeconds(1), (await host.Database.GetTimeToLiveAsync("date", Ct)).Value);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await cache.GetAsync("date", Ct));

        _clock.Advance(TimeSpan.FromDays(3650));
        Assert.Equal(Value, await cache.GetAsync("forever", Ct));
    }

    [Fact]
    public async Task A_read_or_refresh_slides_the_time_to_live_on_but_never_past_the_absolute_expiration()
    {
        await using var host = await StartAsync(_clock);
        var cache = host.Cache;
        var options = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10), AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(25) };
        await cache.SetAsync("session", Value, options, Ct);
        Assert.Equal(TimeSpan.FromSeconds(10), (await host.Database.GetTimeToLiveAsync("session", Ct)).Value);

        _clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(Value, await cache.GetAsync("session", Ct));
        Assert.Equal(TimeSpan.FromSeconds(10), (await host.Database.GetTimeToLiveAsync("session", Ct)).Value);

        _clock.Advance(TimeSpan.FromSeconds(8));
        cache.Refresh("session");
        Assert.Equal(TimeSpan.FromSeconds(9), (await host.Database.GetTimeToLiveAsync("session", Ct)).Value);

        _clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(Value, cache.Get("session"));
        Assert.Equal(TimeSpan.FromSeconds(1), (await host.Database.GetTimeToLiveAsync("session", Ct)).Value);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await cache.GetAsync("session", Ct));
    }

    [Fact]
    public async Task An_entry_with_only_a_sliding_expiration_lives_while_it_is_read_and_ends_once_it_is_not()
    {
        await using var host = await StartAsync(_clock);
        var cache = host.Cache;
        await cache.SetAsync("s", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) }, Ct);
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(59));
            Assert.Equal(Value, await cache.GetAsync("s", Ct));
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync("s", Ct));
    }

    [Fact]
    public async Task Refreshing_a_missing_or_expired_key_does_nothing()
    {
        await using var host = await StartAsync(_clock);
        var cache = host.Cache;
        await cache.RefreshAsync("missing", Ct);
        cache.Refresh("missing");
        await cache.SetAsync("s", Value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(1) }, Ct);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await cache.RefreshAsync("s", Ct);

        Assert.Null(await cache.GetAsync("s", Ct));
        Assert.False(await host.Database.ContainsKeyAsync("missing", Ct));
        Assert.Equal(1, host.Store.GetStatistics().Commits);
    }

    [Fact]
    public async Task An_absolute_expiration_not_in_the_future_is_refused_and_writes_nothing()
    {
        await using var host = await StartAsync(_clock);
        var past = new DistributedCacheEntryOptions { AbsoluteExpiration = _clock.GetUtcNow() };

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.Cache.SetAsync("k", Value, past, Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => host.Cache.Set("k", Value, past));
        Assert.False(await host.Database.ContainsKeyAsync("k", Ct));
    }

    [Fact]
    public async Task Entries_and_their_remaining_time_to_live_survive_a_restart_of_a_durable_cache()
    {
        using var dir = new TempDirectory();
        var big = new byte[6 << 20];
        new Random(17).NextBytes(big);
        await using (var first = await StartAsync(_clock, dir.Path))
        {
            await first.Cache.SetAsync("big", big, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) }, Ct);
            await first.Cache.SetAsync("forever", Value, new DistributedCacheEntryOptions(), Ct);
        }

        _clock.Advance(TimeSpan.FromMinutes(59));
        await using var second = await StartAsync(_clock, dir.Path);
        Assert.Equal(big, await second.Cache.GetAsync("big", Ct));
        Assert.Equal(Value, await second.Cache.GetAsync("forever", Ct));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await second.Cache.GetAsync("big", Ct));
    }
}

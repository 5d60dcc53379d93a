using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.Features;

/// <summary>Single-key read-modify-write operations never lose an update under contention.</summary>
public sealed class AtomicUpdateTests
{
    [Theory]
    [InlineData(DurabilityMode.InMemory)]
    [InlineData(DurabilityMode.Full)]
    public async Task Concurrent_increments_all_count(DurabilityMode durability)
    {
        using var directory = new TempDirectory();
        await using var db = await FluxDatabase.OpenAsync<string, long>(new FluxMapOptions { Durability = durability, DataDirectory = durability == DurabilityMode.InMemory ? null : directory.Path }, Ct);
        var handle = db.CreateHandle();
        var tasks = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            var seen = new List<long>();
            for (var i = 0; i < 250; i++)
            {
                seen.Add(await handle.IncrementAsync("hits", cancellationToken: Ct));
            }

            return seen;
        })).ToArray();

        var results = (await Task.WhenAll(tasks)).SelectMany(r => r).Order().ToList();
        Assert.Equal(4_000, (await handle.GetAsync("hits", Ct)).Value);

        // Every increment returned a distinct value: none saw another's result.
        Assert.Equal(Enumerable.Range(1, 4_000).Select(i => (long)i), results);
        Assert.Equal(0, db.GetStatistics().WriteWriteAborts + db.GetStatistics().Retries);
    }

    [Fact]
    public async Task Increment_refuses_to_overflow_and_keeps_the_time_to_live()
    {
        await using var db = await FluxDatabase.OpenAsync<string, long>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        Assert.Equal(-5, await handle.IncrementAsync("n", -5, Ct));
        await handle.InsertAsync("max", long.MaxValue, TimeSpan.FromHours(1), Ct);
        await Assert.ThrowsAsync<OverflowException>(async () => await handle.IncrementAsync("max", cancellationToken: Ct));
        Assert.Equal(long.MaxValue, (await handle.GetAsync("max", Ct)).Value);

        Assert.Equal(long.MaxValue - 1, await handle.IncrementAsync("max", -1, Ct));
        Assert.NotNull((await handle.GetTimeToLiveAsync("max", Ct)).Value);
    }

    [Fact]
    public async Task Concurrent_updates_lose_nothing()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await handle.UpdateAsync("total", current => current.GetValueOrDefault() + 1, Ct);
            }
        })).ToArray();

        await Task.WhenAll(tasks);
        Assert.Equal(2_400, await handle.ValueAsync("total"));
    }

    [Fact]
    public async Task Update_sees_a_miss_for_an_absent_key_and_an_exception_changes_nothing()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        Assert.Equal(10, await handle.UpdateAsync("a", current => current.HasValue ? -1 : 10, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await handle.UpdateAsync("a", _ => throw new InvalidOperationException("no"), Ct));
        Assert.Equal(10, await handle.ValueAsync("a"));
    }

    [Fact]
    public async Task Compare_and_swap_replaces_only_the_expected_value()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        Assert.False(await handle.CompareAndSwapAsync("a", 0, 1, Ct));
        Assert.False(await handle.ContainsKeyAsync("a", Ct));

        Assert.True(await handle.InsertIfAbsentAsync("a", 1, Ct));
        Assert.False(await handle.InsertIfAbsentAsync("a", 2, Ct));
        Assert.False(await handle.CompareAndSwapAsync("a", 5, 6, Ct));
        Assert.True(await handle.CompareAndSwapAsync("a", 1, 7, Ct));
        Assert.Equal(7, await handle.ValueAsync("a"));

        // Many racing swaps from the same value: exactly one wins.
        var wins = await Task.WhenAll(Enumerable.Range(100, 16).Select(v => Task.Run(async () => await handle.CompareAndSwapAsync("a", 7, v, Ct))));
        Assert.Single(wins, won => won);
    }

    [Fact]
    public async Task A_transaction_that_read_a_counter_conflicts_with_an_increment()
    {
        await using var db = await FluxDatabase.OpenAsync<string, long>(new FluxMapOptions { RetryBaseDelay = TimeSpan.Zero }, Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("n", 1, Ct);
        await using var tx = handle.BeginTransaction();
        var n = (await tx.GetAsync("n", Ct)).Value;
        await handle.IncrementAsync("n", cancellationToken: Ct);
        await tx.InsertAsync("n", n * 10, Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await tx.CommitAsync(Ct));
        Assert.Equal(2, (await handle.GetAsync("n", Ct)).Value);
    }
}

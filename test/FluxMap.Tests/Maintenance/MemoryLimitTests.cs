using Microsoft.Extensions.Options;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.Maintenance;

/// <summary>The memory limit evicts least recently used keys, consistently for every later snapshot and never for an earlier one.</summary>
public sealed class MemoryLimitTests
{
    private static async Task<FluxDatabase<string, string>> OpenAsync(long limit, IMemorySizeEstimator<string, string>? estimator = null)
    {
        var builder = FluxDatabase.CreateBuilder<string, string>()
            .WithOptions(new FluxMapOptions { MemoryLimit = limit, VacuumInterval = TimeSpan.Zero, RetryBaseDelay = TimeSpan.Zero });
        if (estimator is not null)
        {
            builder.WithSizeEstimator(estimator);
        }

        return await builder.OpenAsync(Ct);
    }

    [Fact]
    public async Task The_least_recently_used_key_is_evicted_and_a_touched_one_kept()
    {
        // The FluxMap README's example: room for two entries, key1 read after key2 was written.
        long twoEntries;
        await using (var probe = await OpenAsync(1L << 40))
        {
            await probe.CreateHandle().InsertAsync("key1", "a long value to take up space", Ct);
            await probe.CreateHandle().InsertAsync("key2", "another long value to take up space", Ct);
            twoEntries = probe.GetStatistics().LiveMemoryBytes!.Value;
        }

        await using var db = await OpenAsync(twoEntries);
        var handle = db.CreateHandle();
        await handle.InsertAsync("key1", "a long value to take up space", Ct);
        await handle.InsertAsync("key2", "another long value to take up space", Ct);
        Assert.Equal(0, db.GetStatistics().Evictions);

        Assert.True((await handle.GetAsync("key1", Ct)).HasValue);
        await handle.InsertAsync("key3", "a final long value", Ct);

        Assert.False((await handle.GetAsync("key2", Ct)).HasValue, "key2 should be evicted");
        Assert.True((await handle.GetAsync("key1", Ct)).HasValue, "key1 should still exist");
        Assert.True((await handle.GetAsync("key3", Ct)).HasValue);
        Assert.Equal(1, db.GetStatistics().Evictions);
    }

    [Fact]
    public async Task Inserting_ten_times_the_limit_stays_within_it()
    {
        const long limit = 1 << 20;
        await using var db = await OpenAsync(limit);
        var handle = db.CreateHandle();
        var value = new string('x', 1_000);
        var keys = 0;
        for (long written = 0; written < 10 * limit; written += value.Length * 2)
        {
            await handle.InsertAsync($"k{keys++:D6}", value, Ct);
            Assert.True(db.GetStatistics().LiveMemoryBytes <= limit);
        }

        await db.VacuumAsync(Ct);
        var stats = db.GetStatistics();
        Assert.True(stats.MemoryBytes <= limit, $"{stats.MemoryBytes} bytes held after vacuum, limit {limit}");
        Assert.True(stats.Evictions > keys * 8 / 10, $"{stats.Evictions} of {keys} evicted");
        Assert.Equal(keys - stats.Evictions, stats.Count);
        Assert.Equal(stats.Count, (await handle.ScanPrefixAsync("k", Ct).ToListAsync()).Count);

        // The newest keys are the ones kept.
        Assert.True((await handle.GetAsync($"k{keys - 1:D6}", Ct)).HasValue);
        Assert.False((await handle.GetAsync("k000000", Ct)).HasValue);
    }

    [Fact]
    public async Task Eviction_never_breaks_a_snapshot_and_an_evicted_key_never_reappears()
    {
        await using var db = await OpenAsync(64 * 1024);
        var handle = db.CreateHandle();
        for (var i = 0; i < 100; i++)
        {
            await handle.InsertAsync($"a{i:D3}", $"value {i}", Ct);
        }

        await using var reader = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
        Assert.Equal("value 0", (await reader.GetAsync("a000", Ct)).Value);

        for (var i = 0; i < 2_000; i++)
        {
            await handle.InsertAsync($"b{i:D4}", $"value {i}", Ct);
        }

        Assert.False(await handle.ContainsKeyAsync("a050", Ct));
        await db.VacuumAsync(Ct);

        // The snapshot from before the evictions reads every key as it was.
        var seen = await reader.ScanPrefixAsync("a", Ct).ToListAsync();
        Assert.Equal(100, seen.Count);
        Assert.Equal("value 50", (await reader.GetAsync("a050", Ct)).Value);
        await reader.CommitAsync(Ct);

        await db.VacuumAsync(Ct);
        Assert.Empty(await handle.ScanPrefixAsync("a", Ct).ToListAsync());
        await using var later = handle.BeginTransaction();
        Assert.False((await later.GetAsync("a050", Ct)).HasValue);
    }

    [Fact]
    public async Task A_transaction_writing_a_key_evicted_after_its_snapshot_is_told_so()
    {
        await using var db = await OpenAsync(16 * 1024);
        var handle = db.CreateHandle();
        await handle.InsertAsync("old", "v", Ct);
        await using var tx = handle.BeginTransaction();
        await tx.InsertAsync("old", "w", Ct);
        for (var i = 0; db.GetStatistics().Evictions == 0; i++)
        {
            await handle.InsertAsync($"n{i:D4}", new string('n', 200), Ct);
        }

        Assert.False(await handle.ContainsKeyAsync("old", Ct));
        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await tx.CommitAsync(Ct));
        Assert.Equal(ConflictReason.WriteWrite, conflict.Reason);
        Assert.Contains("evicted", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throwing_estimator_falls_back_to_the_default_and_shows_in_health()
    {
        var estimator = new ThrowingEstimator();
        await using var db = await OpenAsync(1L << 30, estimator);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", "1", Ct);
        Assert.Equal(FluxHealthStatus.Healthy, db.GetHealth().Status);

        estimator.Throw = true;
        await using (var tx = handle.BeginTransaction())
        {
            await tx.InsertAsync("b", "2", Ct);
            await tx.InsertAsync("c", "3", Ct);
            await tx.CommitAsync(Ct);
        }

        Assert.Equal("2", (await handle.GetAsync("b", Ct)).Value);
        Assert.Equal("3", (await handle.GetAsync("c", Ct)).Value);
        var health = db.GetHealth();
        Assert.Equal(FluxHealthStatus.Degraded, health.Status);
        Assert.Contains("estimator", health.Description, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(health.Exception);
    }

    [Theory]
    [InlineData(DurabilityMode.Relaxed)]
    [InlineData(DurabilityMode.Full)]
    public async Task A_memory_limit_on_a_durable_database_without_a_data_file_is_refused_with_the_reason(DurabilityMode durability)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await FluxDatabase.OpenAsync<string, int>(new FluxMapOptions { Durability = durability, DataDirectory = "unused", MemoryLimit = 1 << 20, UseDataFile = false }, Ct));
        Assert.Contains($"MemoryLimit with Durability.{durability} needs UseDataFile", e.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingEstimator : IMemorySizeEstimator<string, string>
    {
        public volatile bool Throw;

        public long EstimateKeySize(string key) => Throw ? throw new InvalidOperationException("estimator broke") : key.Length;

        public long EstimateValueSize(string value) => value.Length;
    }
}

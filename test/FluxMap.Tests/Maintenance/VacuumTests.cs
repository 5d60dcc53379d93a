using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.Maintenance;

/// <summary>Vacuum reclaims what no snapshot can see, and nothing a snapshot can.</summary>
public sealed class VacuumTests
{
    private static readonly FluxMapOptions Manual = new() { VacuumInterval = TimeSpan.Zero, RetryBaseDelay = TimeSpan.Zero };

    [Fact]
    public async Task Memory_returns_to_its_baseline_after_an_update_heavy_run()
    {
        // A memory limit far above the data turns accounting on without evicting anything.
        await using var db = await FluxDatabase.OpenAsync<string, string>(new FluxMapOptions { VacuumInterval = TimeSpan.Zero, MemoryLimit = 1L << 40 }, Ct);
        var handle = db.CreateHandle();

        // A key's first version is embedded in its node and every later one is an object of its
        // own, so the baseline is taken once each key is past its first version.
        foreach (var value in new[] { "first", "v0" })
        {
            for (var i = 0; i < 1_000; i++)
            {
                await handle.InsertAsync($"k{i:D4}", value, Ct);
            }
        }

        await db.VacuumAsync(Ct);
        var baseline = db.GetStatistics();
        Assert.Equal(1_000, baseline.Versions);

        // A long snapshot pins every version written while it runs.
        await using (var pin = handle.BeginTransaction(new TransactionOptions { ReadOnly = true }))
        {
            Assert.Equal("v0", (await pin.GetAsync("k0000", Ct)).Value);
            for (var round = 1; round <= 5; round++)
            {
                for (var i = 0; i < 1_000; i++)
                {
                    await handle.InsertAsync($"k{i:D4}", $"v{round}", Ct);
                }
            }

            Assert.Equal(6_000, db.GetStatistics().Versions);
            await pin.CommitAsync(Ct);
        }

        var peak = db.GetStatistics();
        var result = await db.VacuumAsync(Ct);
        var after = db.GetStatistics();

        Assert.Equal(5_000, result.VersionsReclaimed);
        Assert.Equal(baseline.Versions, after.Versions);
        Assert.Equal(baseline.MemoryBytes, after.MemoryBytes);
        Assert.Equal(peak.MemoryBytes - after.MemoryBytes, result.BytesReclaimed);
        Assert.True(result.BytesReclaimed > 0);
        Assert.Equal("v5", (await handle.GetAsync("k0999", Ct)).Value);
    }

    [Fact]
    public async Task A_long_running_snapshot_keeps_reading_its_versions_while_vacuum_runs()
    {
        await using var db = await OpenAsync(Manual);
        var handle = db.Handle;
        for (var i = 0; i < 100; i++)
        {
            await handle.InsertAsync($"k{i:D3}", i, Ct);
        }

        await using var reader = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
        Assert.Equal(0, (await reader.GetAsync("k000", Ct)).Value);

        for (var i = 0; i < 100; i++)
        {
            if (i % 2 == 0)
            {
                await handle.RemoveAsync($"k{i:D3}", Ct);
            }
            else
            {
                await handle.InsertAsync($"k{i:D3}", -i, Ct);
            }
        }

        var during = await db.Db.VacuumAsync(Ct);
        Assert.Equal(0, during.KeysRemoved);

        // Every key, deleted or overwritten since, still reads as the snapshot saw it.
        var seen = await reader.ScanRangeAsync("k000", "k999", Ct).ToListAsync();
        Assert.Equal(Enumerable.Range(0, 100), seen.Select(p => p.Value));
        Assert.Equal(42, (await reader.GetAsync("k042", Ct)).Value);
        await reader.CommitAsync(Ct);

        var after = await db.Db.VacuumAsync(Ct);
        Assert.Equal(50, after.KeysRemoved);
        Assert.Equal(100, after.VersionsReclaimed);
        Assert.Equal(50, db.Db.Engine.Store.Count);
        Assert.Equal("k001,k003", await handle.ScanRangeAsync("k000", "k003", Ct).KeysAsync());
        Assert.False((await handle.GetAsync("k000", Ct)).HasValue);
    }

    [Fact]
    public async Task Removed_keys_leave_the_index_and_can_come_back()
    {
        await using var db = await OpenAsync(Manual);
        var handle = db.Handle;
        for (var cycle = 0; cycle < 5; cycle++)
        {
            for (var i = 0; i < 2_000; i++)
            {
                await handle.InsertAsync($"k{i}", cycle, Ct);
            }

            for (var i = 0; i < 2_000; i += 2)
            {
                Assert.True(await handle.RemoveAsync($"k{i}", Ct));
            }

            var result = await db.Db.VacuumAsync(Ct);
            Assert.Equal(1_000, result.KeysRemoved);
            Assert.Equal(1_000, db.Db.Engine.Store.Count);
        }

        Assert.Equal(1_000, db.Db.GetStatistics().Count);
        Assert.Equal(4, await handle.ValueAsync("k1"));
        Assert.False(await handle.ContainsKeyAsync("k0", Ct));
        await handle.InsertAsync("k0", 7, Ct);
        Assert.Equal(7, await handle.ValueAsync("k0"));
        Assert.Equal(1_000, (await handle.ScanPrefixAsync("k", Ct).ToListAsync()).Count - 1);
    }

    [Fact]
    public async Task Vacuum_running_beside_commits_loses_nothing()
    {
        await using var db = await OpenAsync(Manual);
        var handle = db.Handle;
        using var done = new CancellationTokenSource();
        var vacuum = Task.Run(async () =>
        {
            var passes = 0;
            while (!done.IsCancellationRequested || passes == 0)
            {
                await db.Db.VacuumAsync(Ct);
                passes++;
            }

            return passes;
        });

        // Each writer owns its keys, so its own record of the last write is the truth.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var expected = new Dictionary<string, int>();
            for (var i = 0; i < 5_000; i++)
            {
                var key = $"w{w}:{random.Next(200):D3}";
                if (random.Next(3) == 0)
                {
                    await handle.RemoveAsync(key, Ct);
                    expected.Remove(key);
                }
                else
                {
                    await handle.InsertAsync(key, i, Ct);
                    expected[key] = i;
                }
            }

            return expected;
        })).ToArray();

        var models = await Task.WhenAll(writers);
        await done.CancelAsync();
        Assert.True(await vacuum > 0);
        await db.Db.VacuumAsync(Ct);

        for (var w = 0; w < models.Length; w++)
        {
            var stored = await handle.ScanPrefixAsync($"w{w}:", Ct).ToListAsync();
            Assert.Equal(models[w].OrderBy(p => p.Key, StringComparer.Ordinal), stored);
        }

        Assert.Equal(models.Sum(m => m.Count), db.Db.Engine.Store.Count);
        Assert.Equal(db.Db.Engine.Store.Count, db.Db.GetStatistics().Versions);
    }
}

using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.DataFile;

/// <summary>A durable database under a memory limit keeps its values in the data file and reads them back.</summary>
/// <remarks>Alone in its collection: it measures the process's managed heap.</remarks>
[Collection(nameof(PagingTests))]
public sealed class PagingTests : IDisposable
{
    private const int ValueSize = 4096;
    private const long Limit = 4L << 20;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private FluxMapOptions Options() => new()
    {
        Durability = DurabilityMode.Relaxed,
        DataDirectory = _dir.Path,
        MemoryLimit = Limit,
        VacuumInterval = TimeSpan.Zero,
        WriteBehindInterval = TimeSpan.FromHours(1),
        CheckpointInterval = TimeSpan.FromHours(1),
        WriteBehindMaxEntries = 64,
    };

    // What the data file's background round does: flush the log and the write-behind buffers,
    // then page out what the flush made eligible.
    private static async Task SettleAsync(FluxDatabase<int, byte[]> db)
    {
        await db.FlushAsync(Ct);
        await db.Engine.DataFile!.FlushAllAsync(Ct);
        db.Engine.Transactions.PageOutOverLimit();
    }

    private static byte[] ValueOf(int i)
    {
        var value = new byte[ValueSize];
        new Random(i).NextBytes(value);
        return value;
    }

    [Fact]
    public async Task Ten_times_the_memory_limit_of_values_reads_back_exactly_while_memory_stays_within_the_limit()
    {
        const int keys = (int)(10 * Limit / ValueSize);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        await using var db = await FluxDatabase.OpenAsync<int, byte[]>(Options(), Ct);
        var handle = db.CreateHandle();
        var peak = 0L;
        for (var i = 0; i < keys; i++)
        {
            await handle.InsertAsync(i, ValueOf(i), Ct);
            if (i % 1_000 == 999)
            {
                await SettleAsync(db);
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        await SettleAsync(db);
        var written = db.GetStatistics();
        Assert.True(written.LiveMemoryBytes <= Limit, $"live memory {written.LiveMemoryBytes} over the limit {Limit}");
        Assert.True(written.PagedOutValues >= keys * 8 / 10, $"only {written.PagedOutValues} of {keys} values paged out");

        // The managed heap holds keys, nodes, the data file's index and the write buffers (measured
        // here: about 10 MiB in all under the 4 MiB limit), not the 40 MiB of values.
        var heap = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        Assert.True(heap < Limit + (8L << 20), $"the managed heap grew by up to {heap} bytes while writing {keys * (long)ValueSize} bytes of values under a {Limit}-byte limit");

        for (var i = 0; i < keys; i++)
        {
            var read = await handle.GetAsync(i, Ct);
            Assert.True(read.HasValue, $"key {i} missing");
            Assert.Equal(ValueOf(i), read.Value);
        }

        var after = db.GetStatistics();
        Assert.True(after.PagedReads >= written.PagedOutValues, $"{after.PagedReads} reads from the data file");
        Assert.True(after.LiveMemoryBytes <= Limit, $"live memory {after.LiveMemoryBytes} over the limit after reading back");
        var afterReads = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        Assert.True(afterReads < Limit + (8L << 20), $"reading back grew the heap by {afterReads} bytes");
    }

    [Fact]
    public async Task Paged_out_values_serve_transactions_scans_updates_and_old_snapshots()
    {
        await using var db = await FluxDatabase.OpenAsync<int, byte[]>(Options(), Ct);
        var handle = db.CreateHandle();
        const int keys = 3_000;
        for (var i = 0; i < keys; i++)
        {
            await handle.InsertAsync(i, ValueOf(i), Ct);
        }

        await SettleAsync(db);
        Assert.True(db.GetStatistics().PagedOutValues > keys / 2, $"paged out {db.GetStatistics().PagedOutValues}, live {db.GetStatistics().LiveMemoryBytes}, flushed {db.GetStatistics().DataFileBytesWritten}");

        // A snapshot taken now keeps reading the paged-out versions after they are overwritten.
        await using var snapshot = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
        for (var i = 0; i < 100; i++)
        {
            await handle.InsertAsync(i, [(byte)i], Ct);
        }

        await db.Engine.DataFile!.FlushAllAsync(Ct);
        await db.CheckpointAsync(Ct);
        await db.CheckpointAsync(Ct);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(ValueOf(i), (await snapshot.GetAsync(i, Ct)).Value);
            Assert.Equal([(byte)i], (await handle.GetAsync(i, Ct)).Value);
        }

        var scanned = 0;
        await foreach (var (key, value) in handle.ScanAsync(KeyRange<int>.Between(100, keys - 1), cancellationToken: Ct))
        {
            Assert.Equal(ValueOf(key), value);
            scanned++;
        }

        Assert.Equal(keys - 100, scanned);
        var updated = await handle.UpdateAsync(2_000, current => [.. current.Value.Take(3)], Ct);
        Assert.Equal(ValueOf(2_000).Take(3), updated);
        Assert.Equal(updated, (await handle.GetAsync(2_000, Ct)).Value);
        await handle.TransactionAsync(async (tx, ct) => Assert.Equal(ValueOf(2_500), (await tx.GetAsync(2_500, ct)).Value), Ct);
    }

    [Fact]
    public async Task Paged_out_values_survive_a_restart()
    {
        await using (var db = await FluxDatabase.OpenAsync<int, byte[]>(Options(), Ct))
        {
            var handle = db.CreateHandle();
            for (var i = 0; i < 2_000; i++)
            {
                await handle.InsertAsync(i, ValueOf(i), Ct);
            }

            await SettleAsync(db);
            Assert.True(db.GetStatistics().PagedOutValues > 500);
            Assert.True(await handle.RemoveAsync(7, Ct));
        }

        await using var reopened = await FluxDatabase.OpenAsync<int, byte[]>(Options(), Ct);
        var reader = reopened.CreateHandle();
        Assert.False(await reader.ContainsKeyAsync(7, Ct));
        for (var i = 0; i < 2_000; i += 97)
        {
            if (i != 7)
            {
                Assert.Equal(ValueOf(i), (await reader.GetAsync(i, Ct)).Value);
            }
        }
    }
}

/// <summary>Runs the paging tests with no other test at the same time, so heap figures are theirs.</summary>
[CollectionDefinition(nameof(PagingTests), DisableParallelization = true)]
public sealed class HeapMeasuringTests;

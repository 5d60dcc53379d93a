using FluxMap.DataFile;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.DataFile;

/// <summary>The write-behind data file: checkpoints, restarts, deletes, space reuse, compaction and damage.</summary>
public sealed class DataFileTests
{
    private const string Dir = "/datafile/db";
    private static readonly string DataPath = Path.Combine(Dir, DataFileFormat.FileName);

    private static FluxMapOptions Options(DurabilityMode mode = DurabilityMode.Full) => DataFileFixture.Manual(Dir, mode, shards: 3, maxEntries: 100);

    private static ValueTask<FluxDatabase<string, string>> OpenAsync(FaultyStorage storage, FluxMapOptions? options = null) =>
        DataFileFixture.OpenAsync(storage, options ?? Options());

    private static Task<Dictionary<string, string>> ContentAsync(FluxDatabase<string, string> db) => DataFileFixture.ContentAsync(db);

    private static void DeleteLog(FaultyStorage storage)
    {
        foreach (var name in storage.ListFiles(Dir, "wal-*"))
        {
            storage.Delete(Path.Combine(Dir, name));
        }
    }

    private static async Task<Dictionary<string, string>> WriteAsync(FluxHandle<string, string> handle, int keys, int round, Dictionary<string, string>? model = null)
    {
        model ??= [];
        for (var i = 0; i < keys; i++)
        {
            var value = $"r{round}:v{i}:{new string('x', i % 50)}";
            await handle.InsertAsync($"k{i:D5}", value, Ct);
            model[$"k{i:D5}"] = value;
        }

        return model;
    }

    [Fact]
    public async Task When_write_behind_flushes_stall_the_log_waits_instead_of_buffering_without_bound()
    {
        var storage = new FaultyStorage();
        var options = DataFileFixture.Manual(Dir, DurabilityMode.Full, shards: 1, maxEntries: 4);
        using var stalled = new ManualResetEventSlim(false);
        using var stuck = new SemaphoreSlim(0);
        var stallOnce = 0;
        var waited = 0;
        await using (var db = await OpenAsync(storage, options))
        {
            // The first background flush blocks in its write; the buffer fills past its bound
            // (4 batches), the log's writer waits for a flush instead, and that wait releases the stall.
            storage.BeforeWrite = (path, _) =>
            {
                if (path == DataPath && Interlocked.Exchange(ref stallOnce, 1) == 0)
                {
                    stuck.Release();
                    stalled.Wait(TimeSpan.FromSeconds(30), Ct);
                }
            };
            db.Engine.DataFile!.WriterWaitsForFlush = () =>
            {
                Interlocked.Increment(ref waited);
                stalled.Set();
            };

            var model = await WriteAsync(db.CreateHandle(), 200, round: 1);
            Assert.True(await stuck.WaitAsync(0, Ct), "no flush ever stalled");
            Assert.True(Volatile.Read(ref waited) > 0, "the log never waited for a full buffer");
            Assert.Equal(model, await ContentAsync(db));
            await db.CheckpointAsync(Ct);
        }

        DeleteLog(storage);
        await using var reopened = await OpenAsync(storage, options);
        Assert.Equal(200, (await ContentAsync(reopened)).Count);
    }

    [Fact]
    public async Task After_a_checkpoint_the_data_file_alone_restores_every_key()
    {
        var storage = new FaultyStorage();
        Dictionary<string, string> model;
        await using (var db = await OpenAsync(storage))
        {
            model = await WriteAsync(db.CreateHandle(), 1_000, 0);
            await db.CheckpointAsync(Ct);
            var stats = db.GetStatistics();
            Assert.True(stats.CheckpointLsn >= 1_000, $"checkpoint LSN {stats.CheckpointLsn}");
            Assert.True(stats.DataFileLiveBytes > 1_000 * 20, $"live bytes {stats.DataFileLiveBytes}");
        }

        // Everything is in the data file: the next open needs no log at all.
        DeleteLog(storage);
        await using var reopened = await OpenAsync(storage);
        Assert.Equal(model, await ContentAsync(reopened));
        await reopened.CreateHandle().InsertAsync("after", "reopen", Ct);
        Assert.Equal("reopen", (await reopened.CreateHandle().GetAsync("after", Ct)).Value);
    }

    [Fact]
    public async Task A_data_file_of_many_extents_reopens_in_key_order_with_every_newest_value()
    {
        // Enough keys that open sorts them in two halves and merges them; written in a shuffled
        // order, twice, so every extent holds keys from all over the range and half of them dead.
        var storage = new FaultyStorage();
        var options = Options(DurabilityMode.Relaxed);
        var model = new Dictionary<string, string>();
        var random = new Random(SeedOr(5));
        await using (var db = await OpenAsync(storage, options))
        {
            var handle = db.CreateHandle();
            for (var round = 0; round < 2; round++)
            {
                var order = Enumerable.Range(0, 40_000).ToArray();
                random.Shuffle(order);
                foreach (var i in order)
                {
                    var (key, value) = ($"k{i:D6}", $"r{round}:{i}");
                    await handle.InsertAsync(key, value, Ct);
                    model[key] = value;
                }

                await db.CheckpointAsync(Ct);
            }
        }

        DeleteLog(storage);
        await using var reopened = await OpenAsync(storage, options);
        var scanned = await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync();
        Assert.Equal(model.Keys.Order(StringComparer.Ordinal), scanned.Select(p => p.Key));
        Assert.Equal(model, scanned.ToDictionary(p => p.Key, p => p.Value));
        Assert.Equal(40_000, reopened.GetStatistics().Count);
        Assert.Equal("r1:12345", (await reopened.CreateHandle().GetAsync("k012345", Ct)).Value);
    }

    [Theory]
    [InlineData(DurabilityMode.Full)]
    [InlineData(DurabilityMode.Relaxed)]
    public async Task A_crash_after_a_checkpoint_recovers_the_data_file_plus_the_log_tail(DurabilityMode mode)
    {
        var storage = new FaultyStorage();
        var db = await OpenAsync(storage, Options(mode));
        var handle = db.CreateHandle();
        var model = await WriteAsync(handle, 500, 0);
        await db.CheckpointAsync(Ct);

        // The tail: updates, deletes and new keys after the checkpoint, some flushed to the data
        // file ahead of the next checkpoint, some only in the log.
        await WriteAsync(handle, 200, 1, model);
        await db.Engine.DataFile!.FlushAllAsync(Ct);
        for (var i = 0; i < 500; i += 7)
        {
            Assert.True(await handle.RemoveAsync($"k{i:D5}", Ct));
            model.Remove($"k{i:D5}");
        }

        await handle.InsertAsync("k00000", "back", Ct);
        model["k00000"] = "back";
        await db.FlushAsync(Ct);

        storage.PowerLoss();
        await using var reopened = await OpenAsync(storage, Options(mode));
        Assert.Equal(model, await ContentAsync(reopened));
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Deletes_stay_deleted_across_checkpoints_and_restarts_without_the_log()
    {
        var storage = new FaultyStorage();
        await using (var db = await OpenAsync(storage))
        {
            var handle = db.CreateHandle();
            await WriteAsync(handle, 300, 0);
            await db.CheckpointAsync(Ct);
            for (var i = 0; i < 300; i++)
            {
                await handle.RemoveAsync($"k{i:D5}", Ct);
            }

            await handle.InsertAsync("survivor", "yes", Ct);
            await db.CheckpointAsync(Ct);
        }

        DeleteLog(storage);
        await using var reopened = await OpenAsync(storage);
        Assert.Equal(new Dictionary<string, string> { ["survivor"] = "yes" }, await ContentAsync(reopened));
    }

    [Fact]
    public async Task Overwriting_the_same_keys_reuses_freed_space_instead_of_growing_the_file()
    {
        var storage = new FaultyStorage();
        await using var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        var sizes = new List<long>();
        Dictionary<string, string> model = [];
        for (var round = 0; round < 12; round++)
        {
            model = await WriteAsync(handle, 400, round);
            await db.CheckpointAsync(Ct);
            sizes.Add(db.GetStatistics().DataFileBytes);
        }

        // Each round supersedes every record of the round before, whose extents are freed and,
        // after the next checkpoint, reused: the file settles at a few rounds' worth. Which shard
        // a key lands in follows string hashing, randomized per process, so extent sizes and with
        // them best-fit fragmentation vary by a block or two between runs; without reuse, each
        // round would add a whole round's worth.
        var oneRound = sizes[1] - sizes[0];
        Assert.True(sizes[^1] - sizes[3] < oneRound / 2, $"data file sizes by round: {string.Join(", ", sizes)}");
        var stats = db.GetStatistics();
        Assert.True(stats.DataFileLiveBytes * 4 >= stats.DataFileBytes / 2, $"live {stats.DataFileLiveBytes} of {stats.DataFileBytes}");
        Assert.Equal(model, await ContentAsync(db));
    }

    [Fact]
    public async Task Compaction_under_concurrent_commits_keeps_every_newest_value()
    {
        var storage = new FaultyStorage();
        var options = Options();
        options.WriteBehindMaxEntries = 1_000;
        Dictionary<string, string> model;
        await using (var db = await OpenAsync(storage, options))
        {
            var handle = db.CreateHandle();
            model = await WriteAsync(handle, 6_000, 0);
            await db.CheckpointAsync(Ct);

            // Supersede three records in four, spread over every extent, so all extents turn sparse.
            for (var i = 0; i < 6_000; i++)
            {
                if (i % 4 != 0)
                {
                    await handle.RemoveAsync($"k{i:D5}", Ct);
                    model.Remove($"k{i:D5}");
                }
            }

            await db.CheckpointAsync(Ct);
            var before = db.GetStatistics();

            // Writers keep superseding records while compaction moves them.
            using var stop = new CancellationTokenSource();
            var writers = Task.Run(
                async () =>
            {
                var n = 0;
                while (!stop.IsCancellationRequested)
                {
                    var key = $"k{n * 4 % 6_000:D5}";
                    await handle.InsertAsync(key, $"moved-{n}", Ct);
                    lock (model)
                    {
                        model[key] = $"moved-{n}";
                    }

                    if (++n % 50 == 0)
                    {
                        await db.Engine.DataFile!.FlushAllAsync(Ct);
                    }
                }
            },
                Ct);
            var moved = db.Engine.DataFile!.Compact();
            await stop.CancelAsync();
            await writers;
            await db.CheckpointAsync(Ct);
            await db.CheckpointAsync(Ct);

            Assert.True(moved > 0, "compaction moved nothing");
            Assert.Equal(1, db.GetStatistics().Compactions);
            Assert.True(before.DataFileLiveBytes * 2 < before.DataFileBytes, $"not sparse: {before.DataFileLiveBytes} of {before.DataFileBytes}");
            Assert.Equal(model, await ContentAsync(db));
        }

        DeleteLog(storage);
        await using var reopened = await OpenAsync(storage, options);
        Assert.Equal(model, await ContentAsync(reopened));
    }

    [Fact]
    public async Task A_damaged_record_is_corruption_naming_the_data_file_and_offset()
    {
        var storage = new FaultyStorage();
        await using (var db = await OpenAsync(storage))
        {
            await WriteAsync(db.CreateHandle(), 50, 0);
        }

        var bytes = storage.ReadFile(DataPath);
        var at = (DataFileFormat.FirstDataBlock * DataFileFormat.BlockSize) + DataFileFormat.RecordPrefixSize + 3;
        bytes[at] ^= 0x40;
        storage.ReplaceFile(DataPath, bytes);

        var e = await Assert.ThrowsAsync<CorruptionException>(async () => await OpenAsync(storage));
        Assert.Equal(DataPath, e.FilePath);
        Assert.Equal(DataFileFormat.FirstDataBlock * DataFileFormat.BlockSize, e.Offset);
        Assert.Contains("Record 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_newest_header_falls_back_to_the_previous_checkpoint_and_two_are_corruption()
    {
        var storage = new FaultyStorage();
        Dictionary<string, string> model;
        await using (var db = await OpenAsync(storage))
        {
            model = await WriteAsync(db.CreateHandle(), 50, 0);
            await db.CheckpointAsync(Ct);
            await WriteAsync(db.CreateHandle(), 30, 1, model);
        }

        var original = storage.ReadFile(DataPath);

        // A damaged newest header copy: the previous checkpoint and the log it kept still open.
        var generations = new[] { BitConverter.ToInt64(original, 16), BitConverter.ToInt64(original, DataFileFormat.BlockSize + 16) };
        var newest = generations[0] > generations[1] ? 0 : DataFileFormat.BlockSize;
        var oneHeader = (byte[])original.Clone();
        oneHeader[newest + 20] ^= 1;
        storage.ReplaceFile(DataPath, oneHeader);
        await using (var db = await OpenAsync(storage))
        {
            Assert.Equal(model, await ContentAsync(db));
        }

        var bothHeaders = storage.ReadFile(DataPath);
        bothHeaders[20] ^= 1;
        bothHeaders[DataFileFormat.BlockSize + 20] ^= 1;
        storage.ReplaceFile(DataPath, bothHeaders);
        var e = await Assert.ThrowsAsync<CorruptionException>(async () => await OpenAsync(storage));
        Assert.Equal((DataPath, 0L), (e.FilePath, e.Offset));
    }
}

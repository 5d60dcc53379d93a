using Microsoft.Extensions.Options;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

public sealed class DurabilityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private FluxMapOptions Options(DurabilityMode mode = DurabilityMode.Full, long segmentSize = 4L << 20) =>
        new() { Durability = mode, DataDirectory = _dir.Path, WalSegmentSize = segmentSize, RetryBaseDelay = TimeSpan.Zero };

    // For tests that damage the log itself: without a data file it holds every commit.
    private FluxMapOptions WalOnly()
    {
        var options = Options();
        options.UseDataFile = false;
        return options;
    }

    private async Task<FluxDatabase<string, int>> OpenDbAsync(FluxMapOptions? options = null) =>
        await FluxDatabase.OpenAsync<string, int>(options ?? Options(), Ct);

    private static async Task<Dictionary<string, int>> ContentAsync(FluxDatabase<string, int> db) =>
        (await db.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).ToDictionary(p => p.Key, p => p.Value);

    [Theory]
    [InlineData(DurabilityMode.Full)]
    [InlineData(DurabilityMode.Relaxed)]
    public async Task Commits_and_deletes_survive_many_restarts_in_a_row(DurabilityMode mode)
    {
        var expected = new Dictionary<string, int>();
        for (var run = 0; run < 4; run++)
        {
            await using var db = await OpenDbAsync(Options(mode));
            Assert.Equal(expected, await ContentAsync(db));
            var handle = db.CreateHandle();
            for (var i = 0; i < 25; i++)
            {
                await handle.InsertAsync($"run{run}:{i}", i, Ct);
                expected[$"run{run}:{i}"] = i;
            }

            await handle.TransactionAsync(
                async (tx, ct) =>
                {
                    await tx.InsertAsync("shared", run, ct);
                    await tx.RemoveAsync($"run{run}:0", ct);
                    if (run > 0)
                    {
                        await tx.RemoveAsync($"run{run - 1}:1", ct);
                    }
                },
                Ct);
            expected["shared"] = run;
            expected.Remove($"run{run}:0");
            expected.Remove($"run{run - 1}:1");
            Assert.True(await handle.RemoveAsync($"run{run}:2", Ct));
            expected.Remove($"run{run}:2");
        }

        await using var last = await OpenDbAsync(Options(mode));
        Assert.Equal(expected, await ContentAsync(last));
    }

    [Fact]
    public async Task Every_kind_of_record_round_trips()
    {
        await using (var db = await FluxDatabase.OpenAsync<byte[], Payload>(Options(), Ct))
        {
            var handle = db.CreateHandle();
            await handle.InsertAsync([1, 2], new Payload("one", [1.5, 2.5]), Ct);
            await handle.InsertAsync([3], new Payload("three", []), Ct);
            await handle.InsertAsync([4], new Payload("gone", []), Ct);
            Assert.True(await handle.RemoveAsync([4], Ct));
            await handle.TransactionAsync(
                async (tx, ct) =>
                {
                    await tx.InsertAsync([5], new Payload("five", [5]), ct);
                    await tx.RemoveAsync([3], ct);
                    await tx.RemoveAsync([9], ct);
                    await tx.InsertAsync([1, 2], new Payload("one again", [1]), ct);
                },
                Ct);
        }

        await using var reopened = await FluxDatabase.OpenAsync<byte[], Payload>(Options(), Ct);
        var content = await reopened.CreateHandle().ScanAsync(KeyRange<byte[]>.All, cancellationToken: Ct).ToListAsync();
        Assert.Equal(["0102:one again:1", "05:five:5"], content.Select(p => $"{Convert.ToHexString(p.Key)}:{p.Value.Name}:{string.Join(";", p.Value.Numbers)}"));
    }

    [Fact]
    public async Task A_batch_crossing_segment_boundaries_recovers_whole()
    {
        var options = Options(DurabilityMode.Full, segmentSize: 64 * 1024);
        options.UseDataFile = false; // it checks the segments the batches left behind
        await using (var db = await OpenDbAsync(options))
        {
            var handle = db.CreateHandle();
            await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(
                async () =>
                {
                    for (var i = 0; i < 40; i++)
                    {
                        await handle.TransactionAsync(
                            async (tx, ct) =>
                            {
                                for (var k = 0; k < 5; k++)
                                {
                                    await tx.InsertAsync($"w{w}:{i}:{k}:" + new string('x', 200), k, ct);
                                }
                            },
                            Ct);
                    }
                },
                Ct)));
        }

        Assert.True(_dir.Segments.Count() > 5, $"only {_dir.Segments.Count()} segments");
        await using var reopened = await OpenDbAsync(options);
        Assert.Equal(16 * 40 * 5, (await ContentAsync(reopened)).Count);
    }

    [Fact]
    public async Task A_torn_tail_is_cut_off_and_the_log_goes_on_after_it()
    {
        await using (var db = await OpenDbAsync(WalOnly()))
        {
            for (var i = 0; i < 10; i++)
            {
                await db.CreateHandle().InsertAsync($"k{i}", i, Ct);
            }
        }

        // Tear the last record: zero its final bytes, as a crash in the middle of the write would.
        var segment = _dir.Segments.Single();
        var bytes = await File.ReadAllBytesAsync(segment, Ct);
        var end = Array.FindLastIndex(bytes, b => b != 0) + 1;
        Array.Clear(bytes, end - 3, 3);
        await File.WriteAllBytesAsync(segment, bytes, Ct);

        await using (var db = await OpenDbAsync(WalOnly()))
        {
            var content = await ContentAsync(db);
            Assert.Equal(9, content.Count);
            Assert.DoesNotContain("k9", content.Keys);
            await db.CreateHandle().InsertAsync("after", 1, Ct);
        }

        await using var again = await OpenDbAsync(WalOnly());
        var final = await ContentAsync(again);
        Assert.Equal(10, final.Count);
        Assert.Contains("after", final.Keys);
    }

    [Fact]
    public async Task Damage_to_synced_records_is_corruption_naming_file_and_offset()
    {
        await using (var db = await OpenDbAsync(WalOnly()))
        {
            for (var i = 0; i < 10; i++)
            {
                await db.CreateHandle().InsertAsync($"k{i}", i, Ct);
            }
        }

        var segment = _dir.Segments.Single();
        var bytes = await File.ReadAllBytesAsync(segment, Ct);
        bytes[40] ^= 0xFF; // inside the first record, which later records say was synced
        await File.WriteAllBytesAsync(segment, bytes, Ct);

        var error = await Assert.ThrowsAsync<CorruptionException>(async () => await OpenDbAsync(WalOnly()));
        Assert.Equal(segment, error.FilePath);
        Assert.Equal(32, error.Offset);
        Assert.Contains("RecoverToLastValidRecord", error.Message, StringComparison.Ordinal);

        var lenient = WalOnly();
        lenient.RecoverToLastValidRecord = true;
        await using var opened = await OpenDbAsync(lenient);
        Assert.Empty(await ContentAsync(opened));
    }

    [Fact]
    public async Task A_second_database_on_the_same_directory_is_refused()
    {
        await using var first = await OpenDbAsync();

        var error = await Assert.ThrowsAsync<FluxMapIOException>(async () => await OpenDbAsync());

        Assert.Contains("already in use", error.Message, StringComparison.Ordinal);
        await first.DisposeAsync();
        await using var second = await OpenDbAsync();
    }

    [Fact]
    public async Task A_missing_directory_is_created_and_a_missing_setting_is_refused()
    {
        var nested = Options();
        nested.DataDirectory = Path.Combine(_dir.Path, "a", "b");
        await using (var db = await OpenDbAsync(nested))
        {
            await db.CreateHandle().InsertAsync("k", 1, Ct);
        }

        Assert.True(Directory.Exists(nested.DataDirectory));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await OpenDbAsync(new FluxMapOptions { Durability = DurabilityMode.Relaxed }));
        Assert.Contains("DataDirectory is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_directory_with_in_memory_durability_is_refused_and_its_data_left_alone()
    {
        await using (var durable = await OpenDbAsync())
        {
            await durable.CreateHandle().InsertAsync("kept", 10, Ct);
        }

        var files = _dir.Snapshot();
        var inMemory = new FluxMapOptions { DataDirectory = _dir.Path };

        var validated = new FluxMapOptionsValidator().Validate(null, inMemory);
        var opened = await Assert.ThrowsAsync<OptionsValidationException>(async () => await FluxDatabase.OpenAsync<string, int>(inMemory, Ct));
        var built = await Assert.ThrowsAsync<OptionsValidationException>(
            async () => await FluxDatabase.CreateBuilder<string, int>().Configure(o => o.DataDirectory = _dir.Path).OpenAsync(Ct));

        Assert.True(validated.Failed);
        foreach (var message in new[] { validated.FailureMessage, opened.Message, built.Message })
        {
            Assert.Contains("Durability is InMemory", message, StringComparison.Ordinal);
            Assert.Contains("set Durability to Relaxed or Full", message, StringComparison.Ordinal);
        }

        Assert.Equal(files, _dir.Snapshot());
        await using var reopened = await OpenDbAsync();
        Assert.Equal(10, await reopened.CreateHandle().ValueAsync("kept"));
    }

    [Fact]
    public async Task An_unwritable_directory_is_refused_with_a_clear_message()
    {
        var file = Path.Combine(_dir.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "x", Ct);
        var options = Options();
        options.DataDirectory = Path.Combine(file, "db");

        var error = await Assert.ThrowsAsync<FluxMapIOException>(async () => await OpenDbAsync(options));

        Assert.Contains(options.DataDirectory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Types_MessagePack_cannot_serialize_are_refused_at_open()
    {
        var error = await Assert.ThrowsAsync<NotSupportedException>(async () => await FluxDatabase.OpenAsync<string, Func<int>>(Options(), Ct));

        Assert.Contains("Func", error.Message, StringComparison.Ordinal);
        Assert.Empty(_dir.Segments);
    }

    [Fact]
    public async Task An_open_cancelled_midway_throws_and_leaves_the_directory_free()
    {
        var storage = new FaultyStorage();
        using var cancel = new CancellationTokenSource();

        // The first file write of the open (the new log segment's header) cancels it; the open stops at its next check.
        storage.BeforeWrite = (_, _) => cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await FluxDatabase.CreateBuilder<string, int>().WithOptions(Options()).WithStorage(storage).OpenAsync(cancel.Token));
        Assert.True(cancel.IsCancellationRequested);

        storage.BeforeWrite = null;
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(Options()).WithStorage(storage).OpenAsync(Ct);
        await db.CreateHandle().InsertAsync("after", 1, Ct);
        Assert.Equal(1, await db.CreateHandle().ValueAsync("after"));
    }

    [Fact]
    public async Task Relaxed_commits_reach_the_disk_on_flush()
    {
        var options = Options(DurabilityMode.Relaxed);
        options.FlushInterval = TimeSpan.FromHours(1);
        options.FlushAfterCommits = 1_000_000;
        var storage = new FaultyStorage();
        var crashed = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithStorage(storage).OpenAsync(Ct);
        await crashed.CreateHandle().InsertAsync("a", 1, Ct);
        await crashed.FlushAsync(Ct);
        await crashed.CreateHandle().InsertAsync("b", 2, Ct);

        storage.PowerLoss();
        await using var reopened = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithStorage(storage).OpenAsync(Ct);
        Assert.Equal("a", await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());

        // The old instance cannot sync "b" any more and says so when it closes.
        var lost = await Assert.ThrowsAsync<FluxMapIOException>(async () => await crashed.DisposeAsync());
        Assert.Contains("without syncing commits up to LSN 2", lost.Message, StringComparison.Ordinal);
    }

    public sealed record Payload(string Name, double[] Numbers);
}

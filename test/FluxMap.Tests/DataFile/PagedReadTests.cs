using FluxMap.DataFile;
using FluxMap.Storage;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.DataFile;

/// <summary>
/// Every operation answers from values paged out to the data file, reading them back without
/// blocking and never while it holds the commit lock.
/// </summary>
public sealed class PagedReadTests
{
    private const string Dir = "/paged/db";
    private static readonly string DataPath = Path.Combine(Dir, DataFileFormat.FileName);

    // Under a one-byte limit every value the data file holds is paged out, and one read back goes again at once.
    private static FluxMapOptions Options(long memoryLimit)
    {
        var options = DataFileFixture.Manual(Dir, DurabilityMode.Full, shards: 1, maxEntries: 64);
        options.MemoryLimit = memoryLimit;
        return options;
    }

    // Opens a database holding the pairs, each paged out.
    private static async Task<FluxDatabase<string, TValue>> OpenPagedAsync<TValue>(FaultyStorage storage, long memoryLimit, params (string Key, TValue Value)[] pairs)
    {
        var db = await FluxDatabase.CreateBuilder<string, TValue>().WithOptions(Options(memoryLimit)).WithStorage(storage).OpenAsync(Ct);
        var handle = db.CreateHandle();
        foreach (var (key, value) in pairs)
        {
            await handle.InsertAsync(key, value, Ct);
        }

        // The keys of the newest commit stay in memory: one more commit lets the last pair go too.
        await handle.InsertAsync("~filler", pairs[0].Value, Ct);
        await PageOutAsync(db);
        Assert.All(pairs, pair => Assert.True(IsPaged(db, pair.Key), $"{pair.Key} is still in memory"));
        return db;
    }

    private static Task<FluxDatabase<string, TValue>> OpenPagedAsync<TValue>(FaultyStorage storage, params (string Key, TValue Value)[] pairs) =>
        OpenPagedAsync(storage, 1, pairs);

    // Opens a database with "a" paged out and memory under the limit, so a value read back stays:
    // paging out the large value of "big" made the room, and "big" is deleted since.
    private static async Task<FluxDatabase<string, TValue>> OpenWithRoomAsync<TValue>(FaultyStorage storage, TValue a, TValue big)
    {
        var db = await OpenPagedAsync(storage, 4096, ("a", a), ("big", big));
        Assert.True(await db.CreateHandle().RemoveAsync("big", Ct));
        return db;
    }

    // Runs `act` (with the path and offset) before the first read of the data file from now on.
    private static void BeforeFirstDataFileRead(FaultyStorage storage, Func<string, long, Task> act)
    {
        var armed = 1;
        storage.BeforeReadAsync = (path, offset) => path == DataPath && Interlocked.Exchange(ref armed, 0) == 1 ? act(path, offset) : Task.CompletedTask;
    }

    // What the data file's background round does: the log synced, the write-behind flushed, values paged out.
    private static async Task PageOutAsync<TValue>(FluxDatabase<string, TValue> db)
    {
        await db.FlushAsync(Ct);
        await db.Engine.DataFile!.FlushAllAsync(Ct);
        db.Engine.Transactions.PageOutOverLimit();
    }

    private static bool IsPaged<TValue>(FluxDatabase<string, TValue> db, string key) => db.Engine.Store.Find(key)?.Head is PagedVersion<TValue>;

    private static long PagedReads<TValue>(FluxDatabase<string, TValue> db) => db.GetStatistics().PagedReads;

    [Fact]
    public async Task Expire_persist_and_compare_and_swap_answer_from_paged_out_values()
    {
        await using var db = await OpenPagedAsync(new FaultyStorage(), ("a", "va"), ("b", "vb"), ("c", "vc"), ("d", "vd"));
        var handle = db.CreateHandle();

        Assert.True(await handle.ExpireAsync("a", TimeSpan.FromHours(1), Ct));
        Assert.Equal("va", (await handle.GetAsync("a", Ct)).Value);
        Assert.NotNull((await handle.GetTimeToLiveAsync("a", Ct)).Value);
        Assert.True(await handle.PersistAsync("a", Ct));
        Assert.Equal("va", (await handle.GetAsync("a", Ct)).Value);
        Assert.Null((await handle.GetTimeToLiveAsync("a", Ct)).Value);

        var reads = PagedReads(db);
        Assert.False(await handle.CompareAndSwapAsync("c", "other", "new", Ct));
        Assert.True(IsPaged(db, "c"));
        Assert.True(await handle.CompareAndSwapAsync("c", "vc", "new", Ct));
        Assert.Equal(reads + 2, PagedReads(db));
        Assert.Equal("new", (await handle.GetAsync("c", Ct)).Value);

        // A paged-out version never expires, and an insert-if-absent asks only whether the key
        // exists: neither reads the data file.
        reads = PagedReads(db);
        Assert.False(await handle.PersistAsync("b", Ct));
        Assert.False(await handle.InsertIfAbsentAsync("d", "x", Ct));
        Assert.Equal(reads, PagedReads(db));
        Assert.True(IsPaged(db, "b") && IsPaged(db, "d"));
        Assert.Equal("vb", (await handle.GetAsync("b", Ct)).Value);
        Assert.Equal("vd", (await handle.GetAsync("d", Ct)).Value);
    }

    [Fact]
    public async Task Increment_adds_to_a_paged_out_counter()
    {
        await using var db = await OpenPagedAsync(new FaultyStorage(), ("n", 41L));
        var handle = db.CreateHandle();
        Assert.Equal(42, await handle.IncrementAsync("n", cancellationToken: Ct));
        Assert.Equal(1, PagedReads(db));
        Assert.Equal(42, (await handle.GetAsync("n", Ct)).Value);
    }

    [Fact]
    public async Task Handle_and_transaction_reads_and_updates_answer_from_paged_out_values()
    {
        var sized = "vs" + new string('s', 100);
        await using var db = await OpenPagedAsync(new FaultyStorage(), ("a", "va"), ("b", "vb"), ("c", "vc"), ("d", "vd"), ("s", sized));
        var handle = db.CreateHandle();

        Assert.Equal("va+", await handle.UpdateAsync("a", current => current.Value + "+", Ct));
        Assert.Equal("va+", (await handle.GetAsync("a", Ct)).Value);
        Assert.Equal(db.Engine.Sizer.ValueBytes(sized), (await handle.GetValueSizeAsync("s", Ct)).Value);

        var reads = PagedReads(db);
        await using (var tx = handle.BeginTransaction())
        {
            Assert.Equal("vb", (await tx.GetAsync("b", Ct)).Value);
            Assert.Equal("vc!", await tx.UpdateAsync("c", current => current.Value + "!", Ct));
            Assert.Equal("vc!", (await tx.GetAsync("c", Ct)).Value);
            Assert.True(await tx.ContainsKeyAsync("d", Ct));
            Assert.True(await tx.RemoveAsync("d", Ct));
            await tx.CommitAsync(Ct);
        }

        // Only the get and the update needed a value.
        Assert.Equal(reads + 2, PagedReads(db));
        Assert.Equal("vc!", (await handle.GetAsync("c", Ct)).Value);
        Assert.False(await handle.ContainsKeyAsync("d", Ct));
    }

    [Fact]
    public async Task Scans_read_paged_out_values_back_and_merge_them_with_the_transactions_own_writes()
    {
        var pairs = Enumerable.Range(0, 20).Select(i => ($"k{i:D2}", $"v{i}")).ToArray();
        await using var db = await OpenPagedAsync(new FaultyStorage(), pairs);
        var handle = db.CreateHandle();
        var expected = pairs.Select(pair => KeyValuePair.Create(pair.Item1, pair.Item2)).ToList();

        Assert.Equal(expected, await handle.ScanRangeAsync("k00", "k19", Ct).ToListAsync());
        Assert.Equal(20, PagedReads(db));
        Assert.All(pairs, pair => Assert.True(IsPaged(db, pair.Item1), $"the scan kept {pair.Item1} in memory"));
        Assert.Equal(Enumerable.Reverse(expected), await handle.ScanAsync(KeyRange<string>.Between("k00", "k19"), ScanDirection.Reverse, Ct).ToListAsync());

        await using var tx = handle.BeginTransaction();
        await tx.InsertAsync("k05", "mine", Ct);
        await tx.RemoveAsync("k06", Ct);
        var own = expected.Take(10).Where(pair => pair.Key != "k06").Select(pair => pair.Key == "k05" ? KeyValuePair.Create("k05", "mine") : pair);
        Assert.Equal(own, await tx.ScanPrefixAsync("k0", Ct).ToListAsync());
    }

    [Fact]
    public async Task A_value_read_back_and_kept_in_memory_is_handed_out_as_a_copy()
    {
        await using var db = await OpenWithRoomAsync<byte[]>(new FaultyStorage(), [1, 2, 3], new byte[64 * 1024]);
        var handle = db.CreateHandle();

        var read = (await handle.GetAsync("a", Ct)).Value;
        Assert.False(IsPaged(db, "a"));
        read[0] = 99;
        Assert.Equal([1, 2, 3], (await handle.GetAsync("a", Ct)).Value);
    }

    [Fact]
    public async Task No_data_file_read_happens_under_the_commit_lock()
    {
        var storage = new FaultyStorage();
        var pairs = Enumerable.Range(0, 12).Select(i => ($"k{i:D2}", (long)i)).ToArray();
        await using var db = await OpenPagedAsync(storage, pairs);
        var handle = db.CreateHandle();
        var gate = db.Engine.CommitLock;
        var reads = 0;
        var underLock = 0;
        storage.OnRead = (path, _) =>
        {
            if (path == DataPath)
            {
                Interlocked.Increment(ref reads);
                if (gate.IsHeldByCurrentThread)
                {
                    Interlocked.Increment(ref underLock);
                }
            }
        };

        Assert.True(await handle.ExpireAsync("k00", TimeSpan.FromHours(1), Ct));
        Assert.True(await handle.CompareAndSwapAsync("k01", 1, -1, Ct));
        Assert.False(await handle.CompareAndSwapAsync("k02", 0, -1, Ct));
        Assert.Equal(4, await handle.IncrementAsync("k03", cancellationToken: Ct));
        Assert.Equal(40, await handle.UpdateAsync("k04", current => current.Value * 10, Ct));
        Assert.Equal(5, (await handle.GetAsync("k05", Ct)).Value);
        Assert.True((await handle.GetValueSizeAsync("k06", Ct)).HasValue);
        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                Assert.Equal(7, (await tx.GetAsync("k07", ct)).Value);
                Assert.Equal(80, await tx.UpdateAsync("k08", current => current.Value * 10, ct));
                Assert.Equal(9 + 10 + 11, (await tx.ScanRangeAsync("k09", "k11", ct).ToListAsync()).Sum(pair => pair.Value));
            },
            Ct);
        Assert.Equal(9 + 10 + 11, (await handle.ScanRangeAsync("k09", "k11", Ct).ToListAsync()).Sum(pair => pair.Value));

        Assert.True(reads >= 14, $"only {reads} data file reads: the workload did not read paged-out values");
        Assert.Equal(0, underLock);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_paged_version_replaced_between_its_read_and_the_commit_is_read_again_and_the_update_applies_to_the_new_value(bool increment)
    {
        var storage = new FaultyStorage();
        await using var db = await OpenPagedAsync(storage, ("n", 10L));
        var handle = db.CreateHandle();
        var replacedWhilePaged = false;
        BeforeFirstDataFileRead(storage, async (_, _) =>
        {
            // Another client commits a new version after the updater chose the old version's
            // record and before it reads it; once vacuum drops the old one from the chain, the new
            // version is paged out in turn.
            await handle.InsertAsync("n", 100, Ct);
            await handle.InsertAsync("~filler", 0, Ct);
            await db.VacuumAsync(Ct);
            await PageOutAsync(db);
            replacedWhilePaged = IsPaged(db, "n");
        });

        var seen = new List<long>();
        var result = increment
            ? await handle.IncrementAsync("n", 1, Ct)
            : await handle.UpdateAsync(
                "n",
                current =>
                {
                    seen.Add(current.Value);
                    return current.Value + 1;
                },
                Ct);

        Assert.True(replacedWhilePaged, "the replacing version was not paged out");
        Assert.Equal(101, result);
        Assert.Equal(2, PagedReads(db));
        Assert.Equal(increment ? [] : [10, 100], seen);
        Assert.Equal(101, (await handle.GetAsync("n", Ct)).Value);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_transaction_whose_paged_version_is_released_and_its_record_reused_meanwhile_reads_the_version_again(bool scan)
    {
        var storage = new FaultyStorage();
        await using var db = await OpenWithRoomAsync(storage, "va", new string('x', 32 * 1024));
        var handle = db.CreateHandle();
        await using var tx = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });

        byte[]? intact = null;
        BeforeFirstDataFileRead(storage, async (path, offset) =>
        {
            // A point read pages the version back in, releasing the one the transaction is
            // about to read; then its record's space is taken by other data.
            Assert.Equal("va", (await handle.GetAsync("a", Ct)).Value);
            intact = storage.ReadFile(path);
            var reused = intact.ToArray();
            reused.AsSpan((int)offset, 16).Fill(0xAB);
            storage.ReplaceFile(path, reused);
        });

        var value = scan ? Assert.Single(await tx.ScanPrefixAsync("a", Ct).ToListAsync()).Value : (await tx.GetAsync("a", Ct)).Value;
        Assert.NotNull(intact);
        storage.ReplaceFile(DataPath, intact);
        Assert.Equal("va", value);
        Assert.False(IsPaged(db, "a"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_paged_out_value_between_values_in_memory_is_read_back_in_its_place(bool inTransaction)
    {
        var pairs = Enumerable.Range(0, 5).Select(i => ($"k{i}", $"v{i}")).ToArray();
        await using var db = await OpenPagedAsync(new FaultyStorage(), pairs);
        var handle = db.CreateHandle();
        foreach (var key in new[] { "k0", "k1", "k3", "k4" })
        {
            await handle.InsertAsync(key, key + "!", Ct);
        }

        Assert.True(IsPaged(db, "k2"));
        Assert.False(IsPaged(db, "k1"));
        var reads = PagedReads(db);
        await using var tx = handle.BeginTransaction();
        await using var scan = (inTransaction ? tx.ScanRangeAsync("k0", "k4", Ct) : handle.ScanRangeAsync("k0", "k4", Ct)).GetAsyncEnumerator(Ct);
        var seen = new List<string>();
        while (await scan.MoveNextAsync())
        {
            seen.Add($"{scan.Current.Key}={scan.Current.Value}");
        }

        Assert.Equal(["k0=k0!", "k1=k1!", "k2=v2", "k3=k3!", "k4=k4!"], seen);
        Assert.Equal(reads + 1, PagedReads(db));
        Assert.True(IsPaged(db, "k2"), "the scan kept k2 in memory");
    }

    [Fact]
    public async Task A_handle_scan_on_a_pinned_snapshot_reads_paged_out_values_and_refuses_overlapping_calls_mid_read()
    {
        var storage = new FaultyStorage();
        await using var db = await OpenPagedAsync(storage, ("a", "va"), ("b", "vb"));
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        BeforeFirstDataFileRead(storage, async (_, _) =>
        {
            reading.SetResult();
            await release.Task;
        });
        var scan = db.CreateHandle().ScanRangeAsync("a", "b", Ct).GetAsyncEnumerator(Ct);

        var step = scan.MoveNextAsync();
        await reading.Task;
        Assert.False(step.IsCompleted);
        Assert.Equal(1, db.Engine.Transactions.PinnedScans);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await scan.MoveNextAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await scan.DisposeAsync());
        release.SetResult();

        Assert.True(await step);
        Assert.Equal(KeyValuePair.Create("a", "va"), scan.Current);
        Assert.True(await scan.MoveNextAsync());
        Assert.Equal(KeyValuePair.Create("b", "vb"), scan.Current);
        await scan.DisposeAsync();
        Assert.Equal(0, db.Engine.Transactions.ActiveCount);
    }
}

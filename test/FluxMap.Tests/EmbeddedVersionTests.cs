using System.Globalization;
using System.Runtime.CompilerServices;
using FluxMap.Storage;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// A key's first version lives in its skip-list node: a key written once is one object, and the
/// node lets that version's value go once a newer commit cuts it off or it is paged out, while
/// every reader still sees the right value.
/// </summary>
public sealed class EmbeddedVersionTests
{
    private static readonly FluxMapOptions Manual = new() { VacuumInterval = TimeSpan.Zero, RetryBaseDelay = TimeSpan.Zero };

    [Fact]
    public async Task A_key_written_once_costs_its_node_and_nothing_else()
    {
        // Enough keys first that the hash index does not grow while the measured ones go in (its
        // table of 4,096 slots holds up to 2,457): then what inserting allocates is the nodes and
        // the upper-level arrays of the taller ones.
        const int before = 1_300;
        const int measured = 1_000;
        await using var db = await FluxDatabase.OpenAsync<string, string>(Manual, Ct);
        var handle = db.CreateHandle();
        var keys = Enumerable.Range(0, before + measured).Select(i => $"key:{i:D10}").ToArray();
        var values = keys.Select(k => "val" + k[3..]).ToArray();
        for (var i = 0; i < before; i++)
        {
            await handle.InsertAsync(keys[i], values[i], Ct);
        }

        var allocated = AllocatedByInserts(handle, keys[before..], values[before..]);

        var upperLevels = 0L;
        foreach (var key in keys[before..])
        {
            var node = db.Engine.Store.Find(key)!;
            Assert.Same(node, node.Head);
            var height = node.Height;
            upperLevels += height > 1 ? 24 + (8 * (height - 1)) : 0;
        }

        // Header 16, then stamp, value, newest-version link, key, level-0 link and upper-levels
        // array, 8 bytes each. A separate first version would add 40 bytes per key.
        const long nodeBytes = 64;
        Assert.Equal(measured * nodeBytes, allocated - upperLevels);
    }

    [Fact]
    public async Task The_first_value_of_a_key_becomes_collectable_once_vacuum_cuts_it_off()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(Manual, Ct);
        var handle = db.CreateHandle();
        var (write, first) = WriteFresh(handle, "k");
        await write;
        await handle.InsertAsync("k", "second", Ct);

        // Until vacuum, the first version is what a snapshot at the horizon reads: it stays.
        Collect();
        Assert.True(first.IsAlive);

        await db.VacuumAsync(Ct);
        Collect();
        Assert.False(first.IsAlive, "the node still holds its first value after vacuum cut that version off");
        Assert.Equal("second", (await handle.GetAsync("k", Ct)).Value);
        Assert.Equal(1, db.GetStatistics().Versions);
    }

    [Fact]
    public async Task A_value_paged_out_of_its_node_becomes_collectable_and_reads_back()
    {
        using var dir = new TempDirectory();
        await using var db = await FluxDatabase.OpenAsync<int, byte[]>(
            new FluxMapOptions
            {
                Durability = DurabilityMode.Relaxed,
                DataDirectory = dir.Path,
                MemoryLimit = 64 << 10,
                VacuumInterval = TimeSpan.Zero,
                WriteBehindInterval = TimeSpan.FromHours(1),
                CheckpointInterval = TimeSpan.FromHours(1),
            },
            Ct);
        var handle = db.CreateHandle();
        const int keys = 200;
        for (var i = 0; i < keys; i++)
        {
            await handle.InsertAsync(i, ValueOf(i), Ct);
        }

        var stored = StoredValues(db, keys);
        await db.FlushAsync(Ct);
        await db.Engine.DataFile!.FlushAllAsync(Ct);
        db.Engine.Transactions.PageOutOverLimit();
        Collect();

        var pagedOut = Enumerable.Range(0, keys).Where(i => db.Engine.Store.Find(i)!.Head is PagedVersion<byte[]>).ToList();
        Assert.True(pagedOut.Count > keys / 2, $"only {pagedOut.Count} of {keys} values paged out");
        Assert.All(pagedOut, i => Assert.False(stored[i].IsAlive, $"key {i}'s node still holds its paged-out value"));
        foreach (var i in pagedOut)
        {
            Assert.Equal(ValueOf(i), (await handle.GetAsync(i, Ct)).Value);
        }
    }

    [Fact]
    public async Task A_reader_holding_the_embedded_version_after_it_left_the_chain_finds_its_value_gone_and_reads_the_key_again()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(Manual, Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("k", "first", Ct);
        var held = db.Engine.ReadLatest("k", out _)!;
        Assert.Same(db.Engine.Store.Find("k"), held);

        await handle.InsertAsync("k", "second", Ct);
        Assert.True(held.TryGetValue(out var value));
        Assert.Equal("first", value);

        // A reader without a snapshot may still hold the version vacuum cuts off.
        await db.VacuumAsync(Ct);
        Assert.False(held.TryGetValue(out _));
        Assert.False(db.Engine.TryCopy(held, out _));
        var (version, read) = await db.Engine.ValueOfAsync(held, db.Engine, static engine => engine.ReadLatest("k", out _), Ct);
        Assert.NotSame(held, version);
        Assert.Equal("second", read);
    }

    [Fact]
    public void A_reader_holding_the_embedded_version_after_it_was_paged_out_reads_the_paged_out_one()
    {
        var node = new VersionedSkipList<int, string>(KeyOrdering<int>.Create(null, null)).GetOrAdd(1);
        node.Publish(10, "resident", isTombstone: false, expiresAt: 0, horizon: 0);
        var held = node.Read(10)!;
        var paged = new StubPagedVersion(10);
        node.ReplaceHead(node, paged);

        Assert.False(held.TryGetValue(out _));
        Assert.Same(paged, node.Read(10, out var value));
        Assert.Null(value);
    }

    [Fact]
    public async Task Readers_see_the_right_values_while_the_same_keys_are_upserted_and_vacuumed()
    {
        const int keys = 48;
        const int rounds = 150;
        var seed = SeedOr(1806);
        await using var db = await FluxDatabase.OpenAsync<string, string>(Manual, Ct);
        var handle = db.CreateHandle();
        for (var k = 0; k < keys; k++)
        {
            await handle.InsertAsync(Key(k), Value(k, 0), Ct);
        }

        using var done = new CancellationTokenSource();
        var writer = Task.Run(
            async () =>
            {
                try
                {
                    for (var round = 1; round <= rounds; round++)
                    {
                        for (var k = 0; k < keys; k++)
                        {
                            await handle.InsertAsync(Key(k), Value(k, round), Ct);
                        }
                    }
                }
                finally
                {
                    await done.CancelAsync();
                }
            },
            Ct);
        var vacuum = Task.Run(
            async () =>
            {
                while (!done.IsCancellationRequested)
                {
                    await db.VacuumAsync(Ct);
                }
            },
            Ct);

        // A snapshot holds a prefix of the writes, which go key by key, round after round: round r
        // up to some key, round r - 1 from there on. Read again later, it answers the same.
        async Task ReadSnapshotsAsync(int reader)
        {
            var random = new Random(seed + reader);
            while (!done.IsCancellationRequested)
            {
                await using var tx = handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
                var seen = new int[keys];
                for (var k = 0; k < keys; k++)
                {
                    seen[k] = RoundOf(k, await tx.GetAsync(Key(k), Ct));
                }

                AssertPrefixOfWrites(seen);
                for (var i = 0; i < 2 * keys; i++)
                {
                    var k = random.Next(keys);
                    Assert.Equal(seen[k], RoundOf(k, await tx.GetAsync(Key(k), Ct)));
                }

                await tx.CommitAsync(Ct);
            }
        }

        async Task ScanAsync()
        {
            while (!done.IsCancellationRequested)
            {
                var pairs = await handle.ScanPrefixAsync("k", Ct).ToListAsync();
                Assert.Equal(Enumerable.Range(0, keys).Select(Key), pairs.Select(pair => pair.Key));
                AssertPrefixOfWrites([.. pairs.Select((pair, k) => RoundOf(k, pair.Value))]);
            }
        }

        // Reads of the newest value take no snapshot: never a miss, never older than the last one.
        async Task ReadLatestAsync(int reader)
        {
            var random = new Random(seed + reader);
            var last = new int[keys];
            while (!done.IsCancellationRequested)
            {
                var k = random.Next(keys);
                var round = RoundOf(k, await handle.GetAsync(Key(k), Ct));
                Assert.True(round >= last[k], $"key {k} read round {round} after round {last[k]}");
                last[k] = round;
            }
        }

        await Task.WhenAll(
            writer,
            vacuum,
            Task.Run(() => ReadSnapshotsAsync(1), Ct),
            Task.Run(ScanAsync, Ct),
            Task.Run(() => ReadLatestAsync(2), Ct),
            Task.Run(() => ReadLatestAsync(3), Ct));

        for (var k = 0; k < keys; k++)
        {
            Assert.Equal(rounds, RoundOf(k, await handle.GetAsync(Key(k), Ct)));
        }
    }

    private static string Key(int k) => $"k{k:D3}";

    private static string Value(int k, int round) => $"{k}:{round}";

    private static int RoundOf(int k, FluxValue<string> read)
    {
        Assert.True(read.HasValue, $"key {k} missing");
        return RoundOf(k, read.Value);
    }

    private static int RoundOf(int k, string value)
    {
        var parts = value.Split(':');
        Assert.Equal(k.ToString(CultureInfo.InvariantCulture), parts[0]);
        return int.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    private static void AssertPrefixOfWrites(int[] rounds)
    {
        for (var k = 0; k < rounds.Length; k++)
        {
            Assert.True(
                rounds[k] <= rounds[0] && rounds[k] >= rounds[0] - 1 && (k == 0 || rounds[k] <= rounds[k - 1]),
                $"rounds seen [{string.Join(",", rounds)}] are no prefix of the writes");
        }
    }

    private static byte[] ValueOf(int i)
    {
        var value = new byte[1024];
        new Random(i).NextBytes(value);
        return value;
    }

    // Not inlined, and not async, so no frame or state machine of the test keeps what it touched.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long AllocatedByInserts(FluxHandle<string, string> handle, string[] keys, string[] values)
    {
        var start = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < keys.Length; i++)
        {
            // In memory an insert completes at once, on this thread.
            Assert.True(handle.InsertAsync(keys[i], values[i], Ct).AsTask().IsCompletedSuccessfully);
        }

        return GC.GetAllocatedBytesForCurrentThread() - start;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Task Write, WeakReference Value) WriteFresh(FluxHandle<string, string> handle, string key)
    {
        var value = new string('v', 100);
        return (handle.InsertAsync(key, value, Ct).AsTask(), new WeakReference(value));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] StoredValues(FluxDatabase<int, byte[]> db, int keys) =>
        [.. Enumerable.Range(0, keys).Select(i => db.Engine.Store.Find(i)!.Head!.TryGetValue(out var value) ? new WeakReference(value) : throw new InvalidOperationException($"key {i} holds no value"))];

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private sealed class StubPagedVersion(long timestamp) : PagedVersion<string>(timestamp)
    {
        internal override bool IsReleased => false;

        internal override ValueTask<string> LoadAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        internal override void Release()
        {
        }
    }
}

using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

public sealed class ScanTests
{
    private static async Task<TestDb> AlphabetAsync()
    {
        var db = await OpenAsync();
        foreach (var c in "abcdefg")
        {
            await db.Handle.InsertAsync(c.ToString(), c - 'a', Ct);
        }

        return db;
    }

    [Theory]
    [InlineData("b", "e", true, true, "b,c,d,e")]
    [InlineData("b", "e", false, true, "c,d,e")]
    [InlineData("b", "e", true, false, "b,c,d")]
    [InlineData("b", "e", false, false, "c,d")]
    [InlineData("bb", "dd", true, true, "c,d")]
    [InlineData("x", "z", true, true, "")]
    [InlineData("c", "c", true, true, "c")]
    public async Task Range_bounds_are_inclusive_or_exclusive_as_asked(string from, string to, bool fromInclusive, bool toInclusive, string expected)
    {
        await using var db = await AlphabetAsync();

        var range = KeyRange<string>.Between(from, to, fromInclusive, toInclusive);

        Assert.Equal(expected, await db.Handle.ScanAsync(range, cancellationToken: Ct).KeysAsync());
        Assert.Equal(string.Join(",", expected.Split(',').Reverse()), await db.Handle.ScanAsync(range, ScanDirection.Reverse, Ct).KeysAsync());
    }

    [Fact]
    public async Task ScanRangeAsync_is_inclusive_at_both_ends_and_returns_values()
    {
        await using var db = await AlphabetAsync();

        var pairs = await db.Handle.ScanRangeAsync("b", "d", Ct).ToListAsync();

        Assert.Equal([new("b", 1), new("c", 2), new("d", 3)], pairs);
    }

    [Fact]
    public async Task Open_ended_ranges_reach_the_ends()
    {
        await using var db = await AlphabetAsync();

        Assert.Equal("e,f,g", await db.Handle.ScanAsync(KeyRange<string>.AtLeast("e"), cancellationToken: Ct).KeysAsync());
        Assert.Equal("f,g", await db.Handle.ScanAsync(KeyRange<string>.GreaterThan("e"), cancellationToken: Ct).KeysAsync());
        Assert.Equal("a,b", await db.Handle.ScanAsync(KeyRange<string>.AtMost("b"), cancellationToken: Ct).KeysAsync());
        Assert.Equal("a", await db.Handle.ScanAsync(KeyRange<string>.LessThan("b"), cancellationToken: Ct).KeysAsync());
        Assert.Equal("g,f,e,d,c,b,a", await db.Handle.ScanAsync(KeyRange<string>.All, ScanDirection.Reverse, Ct).KeysAsync());
        Assert.Equal("b,a", await db.Handle.ScanAsync(KeyRange<string>.LessThan("c"), ScanDirection.Reverse, Ct).KeysAsync());
    }

    [Fact]
    public async Task An_inverted_range_is_refused_with_a_clear_message()
    {
        await using var db = await AlphabetAsync();

        var error = Assert.Throws<ArgumentException>(() => db.Handle.ScanRangeAsync("m", "a", Ct));
        Assert.Contains("ScanDirection.Reverse", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => db.Handle.ScanAsync(KeyRange<string>.Between("c", "c", toInclusive: false), cancellationToken: Ct));
    }

    [Fact]
    public async Task Removed_keys_are_skipped_and_scans_read_one_snapshot()
    {
        await using var db = await AlphabetAsync();
        await db.Handle.RemoveAsync("c", Ct);
        var seen = new List<string>();

        await foreach (var (key, _) in db.Handle.ScanRangeAsync("a", "z", Ct))
        {
            seen.Add(key);
            if (key == "a")
            {
                await db.Handle.InsertAsync("b2", 1, Ct);
                await db.Handle.RemoveAsync("d", Ct);
            }
        }

        Assert.Equal("a,b,d,e,f,g", string.Join(",", seen));
        Assert.Equal("a,b,b2,e,f,g", await db.Handle.ScanRangeAsync("a", "z", Ct).KeysAsync());
    }

    [Fact]
    public async Task Prefix_scans_cover_exactly_the_keys_with_the_prefix()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("user", 0), ("user:", 1), ("user:ann", 2), ("user:bob", 3), ("user;", 4), ("usera", 5), ("user:\uffff", 6), ("\uffff\uffff", 7));

        Assert.Equal("user:,user:ann,user:bob,user:\uffff", await db.Handle.ScanPrefixAsync("user:", Ct).KeysAsync());
        Assert.Equal("\uffff\uffff", await db.Handle.ScanPrefixAsync("\uffff", Ct).KeysAsync());
        Assert.Equal(8, (await db.Handle.ScanPrefixAsync(string.Empty, Ct).ToListAsync()).Count);
    }

    [Fact]
    public async Task Byte_array_prefix_scans_handle_0xFF_bytes()
    {
        await using var db = await FluxDatabase.OpenAsync<byte[], int>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        byte[][] keys = [[1], [1, 0], [1, 255], [1, 255, 255], [2], [0, 255]];
        for (var i = 0; i < keys.Length; i++)
        {
            await handle.InsertAsync(keys[i], i, Ct);
        }

        var hits = (await handle.ScanPrefixAsync([1, 255], Ct).ToListAsync()).Select(p => Convert.ToHexString(p.Key));

        Assert.Equal(["01FF", "01FFFF"], hits);
        Assert.Equal(4, (await handle.ScanPrefixAsync([1], Ct).ToListAsync()).Count);
    }

    [Fact]
    public async Task Prefix_scans_need_string_or_byte_array_keys()
    {
        await using var db = await FluxDatabase.OpenAsync<int, int>(cancellationToken: Ct);

        var error = Assert.Throws<NotSupportedException>(() => db.CreateHandle().ScanPrefixAsync(1, Ct));
        Assert.Contains("ScanAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Integer_keys_scan_in_numeric_order()
    {
        await using var db = await FluxDatabase.OpenAsync<int, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        foreach (var key in new[] { 10, -5, 3, 100, 0 })
        {
            await handle.InsertAsync(key, key.ToString(System.Globalization.CultureInfo.InvariantCulture), Ct);
        }

        var keys = (await handle.ScanAsync(KeyRange<int>.Between(-5, 10), cancellationToken: Ct).ToListAsync()).Select(p => p.Key);

        Assert.Equal([-5, 0, 3, 10], keys);
    }

    [Fact]
    public async Task A_transaction_scan_merges_its_own_writes_in_key_order()
    {
        await using var db = await AlphabetAsync();
        await using var tx = db.Handle.BeginTransaction();
        await tx.InsertAsync("bb", 10, Ct);
        await tx.InsertAsync("d", 30, Ct);
        await tx.RemoveAsync("e", Ct);
        await tx.InsertAsync("0", 0, Ct);
        await tx.InsertAsync("z", 0, Ct);

        var forward = await tx.ScanRangeAsync("b", "f", Ct).ToListAsync();
        var reverse = await tx.ScanAsync(KeyRange<string>.Between("b", "f"), ScanDirection.Reverse, Ct).KeysAsync();

        Assert.Equal([new("b", 1), new("bb", 10), new("c", 2), new("d", 30), new("f", 5)], forward);
        Assert.Equal("f,d,c,bb,b", reverse);
        Assert.Equal("0,a,b,bb,c,d,f,g,z", await tx.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
    }

    [Fact]
    public async Task Writes_made_during_a_transaction_scan_appear_when_the_scan_reaches_them()
    {
        await using var db = await AlphabetAsync();
        await using var tx = db.Handle.BeginTransaction();
        var seen = new List<string>();

        await foreach (var (key, value) in tx.ScanRangeAsync("a", "z", Ct))
        {
            seen.Add(key);
            if (key == "b")
            {
                await tx.InsertAsync("a0", 0, Ct);  // behind the cursor: not revisited
                await tx.InsertAsync("c5", 0, Ct);  // ahead of it: seen
                await tx.RemoveAsync("e", Ct);      // ahead of it: hidden
            }
        }

        Assert.Equal("a,b,c,c5,d,f,g", string.Join(",", seen));
    }

    [Fact]
    public async Task Cancelling_a_scan_stops_it_at_the_next_step()
    {
        await using var db = await AlphabetAsync();
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in db.Handle.ScanRangeAsync("a", "z", cancel.Token))
            {
                if (++seen == 2)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.Equal(2, seen);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("broken off")]
    [InlineData("cancelled")]
    [InlineData("failed")]
    [InlineData("never iterated")]
    public async Task A_handle_scan_ends_its_transaction_however_it_stops(string how)
    {
        await using var db = await AlphabetAsync();
        using var cancel = new CancellationTokenSource();
        var scan = db.Handle.ScanRangeAsync("a", "z", cancel.Token);
        var seen = 0;
        try
        {
            await foreach (var _ in scan.Take(how == "never iterated" ? 0 : int.MaxValue))
            {
                seen++;
                if (how == "broken off" && seen == 2)
                {
                    break;
                }

                if (how == "cancelled" && seen == 2)
                {
                    await cancel.CancelAsync();
                }

                if (how == "failed" && seen == 2)
                {
                    throw new InvalidDataException("the caller's own failure");
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidDataException)
        {
        }

        // A scan whose snapshot stayed registered would keep every version written after it.
        for (var i = 0; i < 10; i++)
        {
            await db.Handle.InsertAsync("a", i, Ct);
        }

        Assert.Equal(how switch { "completed" => 7, "never iterated" => 0, _ => 2 }, seen);
        Assert.Equal(2, db.ChainLength("a"));
    }

    [Fact]
    public async Task A_scan_reads_nothing_until_it_is_iterated()
    {
        await using var db = await AlphabetAsync();
        var tx = db.Handle.BeginTransaction();

        var scan = tx.ScanRangeAsync("a", "z", Ct);
        await tx.CommitAsync(Ct);

        // The scan had not started, so it meets the committed transaction on its first step.
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await scan.ToListAsync());
    }

    [Fact]
    public async Task A_handle_scan_begun_while_nothing_writes_holds_its_snapshot_through_commits_and_vacuum()
    {
        await using var db = await AlphabetAsync();
        var seen = new List<KeyValuePair<string, int>>();

        await foreach (var pair in db.Handle.ScanRangeAsync("a", "z", Ct))
        {
            seen.Add(pair);
            if (pair.Key == "a")
            {
                // Pinned: the snapshot holds vacuum back, with no transaction record behind it.
                Assert.Equal(1, db.Db.Engine.Transactions.PinnedScans);
                foreach (var c in "bcdefg")
                {
                    await db.Handle.InsertAsync(c.ToString(), 100, Ct);
                    await db.Handle.InsertAsync(c.ToString(), 200, Ct);
                }

                await db.Handle.RemoveAsync("e", Ct);
                await db.Db.VacuumAsync(Ct);
            }
        }

        Assert.Equal("abcdefg".Select(c => KeyValuePair.Create(c.ToString(), c - 'a')), seen);
        Assert.Equal(0, db.Db.Engine.Transactions.PinnedScans);
        Assert.Equal(0, db.Db.Engine.Transactions.ActiveCount);

        // Released: a commit keeps the newest version and the one before it, as with no reader at all.
        await db.Handle.InsertAsync("b", 300, Ct);
        Assert.Equal(2, db.ChainLength("b"));
    }

    [Fact]
    public async Task A_handle_scan_that_overlaps_a_read_write_transaction_is_tracked_and_makes_that_transaction_the_pivot()
    {
        // Fekete, O'Neil and O'Neil's read-only anomaly with a handle scan as the report: it sees
        // the deposit but not the withdrawal, whose overdraft fee was judged without the deposit.
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        await using var withdrawal = db.Handle.BeginTransaction();
        var balance = (await withdrawal.GetAsync("x", Ct)).Value + (await withdrawal.GetAsync("y", Ct)).Value;
        await db.Handle.TransactionAsync(async (tx, ct) => await tx.InsertAsync("y", (await tx.GetAsync("y", ct)).Value + 20, ct), Ct);

        var report = await db.Handle.ScanRangeAsync("x", "y", Ct).ToListAsync();
        Assert.Equal([new("x", 0), new("y", 20)], report);

        await withdrawal.InsertAsync("x", balance - 10 - 1, Ct);  // overdrawn: a fee of 1
        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await withdrawal.CommitAsync(Ct));
        Assert.Equal(withdrawal.Id, conflict.TransactionId);
    }

    [Fact]
    public async Task A_scan_enumerated_again_reads_again_and_two_enumerations_at_once_are_independent()
    {
        await using var db = await AlphabetAsync();
        var handleScan = db.Handle.ScanRangeAsync("b", "d", Ct);
        Assert.Equal("b,c,d", await handleScan.KeysAsync());
        await db.Handle.InsertAsync("c2", 9, Ct);
        Assert.Equal("b,c,c2,d", await handleScan.KeysAsync());

        await using var tx = db.Handle.BeginTransaction();
        var txScan = tx.ScanRangeAsync("a", "c", Ct);
        await using var first = txScan.GetAsyncEnumerator(Ct);
        await using var second = txScan.GetAsyncEnumerator(Ct);
        Assert.NotSame(first, second);
        var keys = new List<string>();
        while (await first.MoveNextAsync())
        {
            Assert.True(await second.MoveNextAsync());
            keys.Add(first.Current.Key + second.Current.Key);
        }

        Assert.False(await second.MoveNextAsync());
        Assert.Equal(["aa", "bb", "cc"], keys);
    }

    [Fact]
    public async Task An_enumerator_disposed_twice_or_stepped_after_its_end_leaves_later_scans_alone()
    {
        await using var db = await AlphabetAsync();
        var done = db.Handle.ScanRangeAsync("a", "b", Ct).GetAsyncEnumerator(Ct);
        while (await done.MoveNextAsync())
        {
        }

        await done.DisposeAsync();

        // The scans after it reuse what the finished one held; the finished one must not reach it.
        await using var running = db.Handle.ScanRangeAsync("c", "g", Ct).GetAsyncEnumerator(Ct);
        Assert.True(await running.MoveNextAsync());
        await done.DisposeAsync();
        Assert.False(await done.MoveNextAsync());
        Assert.Equal(default, done.Current);

        await using var other = db.Handle.ScanRangeAsync("a", "b", Ct).GetAsyncEnumerator(Ct);
        var keys = new List<string> { running.Current.Key };
        while (await running.MoveNextAsync())
        {
            keys.Add(running.Current.Key);
            if (await other.MoveNextAsync())
            {
                keys.Add(other.Current.Key);
            }
        }

        Assert.Equal("c,d,a,e,b,f,g", string.Join(",", keys));
    }

    [Fact]
    public async Task A_transaction_disposed_between_steps_of_its_scan_fails_the_next_step()
    {
        await using var db = await AlphabetAsync();
        var tx = db.Handle.BeginTransaction();
        await using var scan = tx.ScanRangeAsync("a", "z", Ct).GetAsyncEnumerator(Ct);
        Assert.True(await scan.MoveNextAsync());

        await tx.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await scan.MoveNextAsync());
        Assert.False(await scan.MoveNextAsync());
        Assert.Equal(0, db.Db.Engine.Transactions.ActiveCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_database_disposed_during_a_handle_scan_fails_the_scans_next_step(bool writerRunning)
    {
        var db = await AlphabetAsync();
        var writer = writerRunning ? db.Handle.BeginTransaction() : null;
        await using var scan = db.Handle.ScanRangeAsync("a", "z", Ct).GetAsyncEnumerator(Ct);
        Assert.True(await scan.MoveNextAsync());
        Assert.Equal(writerRunning ? 0 : 1, db.Db.Engine.Transactions.PinnedScans);

        await db.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await scan.MoveNextAsync());
        Assert.False(await scan.MoveNextAsync());
        Assert.Equal(0, db.Db.Engine.Transactions.PinnedScans);
        if (writer is not null)
        {
            await writer.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(false, "enumeration")]
    [InlineData(true, "enumeration")]
    [InlineData(true, "scan")]
    public async Task Either_token_cancels_a_scan_enumerated_with_its_own_token(bool scanHasToken, string cancelled)
    {
        await using var db = await AlphabetAsync();
        using var scanToken = new CancellationTokenSource();
        using var enumerationToken = new CancellationTokenSource();
        var scan = db.Handle.ScanRangeAsync("a", "z", scanHasToken ? scanToken.Token : default);
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in scan.WithCancellation(enumerationToken.Token))
            {
                if (++seen == 2)
                {
                    await (cancelled == "scan" ? scanToken : enumerationToken).CancelAsync();
                }
            }
        });

        Assert.Equal(2, seen);
        Assert.Equal(0, db.Db.Engine.Transactions.ActiveCount);
    }
}

using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// The classic anomalies (Berenson et al. 1995; Fekete et al. 2004), each as a fixed schedule:
/// the non-serializable ones must abort one transaction, the serializable ones must all commit.
/// </summary>
public sealed class SsiTests
{
    [Fact]
    public async Task Dirty_write_first_committer_wins()
    {
        await using var db = await OpenAsync();
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        await t1.InsertAsync("x", 1, Ct);
        await t2.InsertAsync("x", 2, Ct);
        await t2.CommitAsync(Ct);
        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await t1.CommitAsync(Ct));

        Assert.Equal(ConflictReason.WriteWrite, conflict.Reason);
        Assert.Equal("x", conflict.Key);
        Assert.Equal(t1.Id, conflict.TransactionId);
        Assert.Equal(t2.Id, conflict.ConflictingTransactionId);
        Assert.Contains("\"x\"", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(TransactionStatus.RolledBack, t1.Status);
        Assert.Equal(2, await db.Handle.ValueAsync("x"));
    }

    [Fact]
    public async Task Dirty_read_never_sees_uncommitted_or_aborted_data()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 1));
        var writer = db.Handle.BeginTransaction();
        await writer.InsertAsync("x", 99, Ct);
        await writer.InsertAsync("y", 99, Ct);

        await using var reader = db.Handle.BeginTransaction();
        Assert.Equal(1, (await reader.GetAsync("x", Ct)).Value);
        Assert.False(await reader.ContainsKeyAsync("y", Ct));
        Assert.Equal("x", await db.Handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());

        await writer.RollbackAsync(Ct);
        Assert.Equal(1, await db.Handle.ValueAsync("x"));
        Assert.False(await db.Handle.ContainsKeyAsync("y", Ct));
        await reader.CommitAsync(Ct);
    }

    [Fact]
    public async Task Lost_update_aborts_the_second_writer()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 10));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        var v1 = (await t1.GetAsync("x", Ct)).Value;
        var v2 = (await t2.GetAsync("x", Ct)).Value;
        await t1.InsertAsync("x", v1 + 1, Ct);
        await t2.InsertAsync("x", v2 + 1, Ct);
        await t1.CommitAsync(Ct);

        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));
        Assert.Equal(11, await db.Handle.ValueAsync("x"));
    }

    [Fact]
    public async Task Lost_update_against_an_autocommit_write_aborts_the_transaction()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 10));
        await using var tx = db.Handle.BeginTransaction();

        var value = (await tx.GetAsync("x", Ct)).Value;
        Assert.True(await db.Handle.RemoveAsync("x", Ct));
        await tx.InsertAsync("x", value + 1, Ct);

        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await tx.CommitAsync(Ct));
        Assert.Null(conflict.ConflictingTransactionId);
        Assert.False(await db.Handle.ContainsKeyAsync("x", Ct));
    }

    [Fact]
    public async Task Read_skew_is_prevented_by_the_snapshot()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 50), ("y", 50));
        await using var reader = db.Handle.BeginTransaction();

        var x = (await reader.GetAsync("x", Ct)).Value;
        await db.Handle.TransactionAsync(
            async (tx, ct) =>
            {
                await tx.InsertAsync("x", (await tx.GetAsync("x", ct)).Value - 40, ct);
                await tx.InsertAsync("y", (await tx.GetAsync("y", ct)).Value + 40, ct);
            },
            Ct);
        var y = (await reader.GetAsync("y", Ct)).Value;

        Assert.Equal(100, x + y);
        await reader.CommitAsync(Ct);
    }

    [Fact]
    public async Task Write_skew_aborts_exactly_one_of_the_two()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 1), ("y", 1));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        var sum1 = (await t1.GetAsync("x", Ct)).Value + (await t1.GetAsync("y", Ct)).Value;
        var sum2 = (await t2.GetAsync("x", Ct)).Value + (await t2.GetAsync("y", Ct)).Value;
        Assert.Equal(2, sum1);
        Assert.Equal(2, sum2);
        await t1.InsertAsync("x", 0, Ct);
        await t2.InsertAsync("y", 0, Ct);

        await t1.CommitAsync(Ct);
        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));
        Assert.Equal(ConflictReason.ReadWrite, conflict.Reason);
        Assert.Equal(t2.Id, conflict.TransactionId);
        Assert.Equal(1, await db.Handle.ValueAsync("x") + await db.Handle.ValueAsync("y"));
    }

    [Fact]
    public async Task Write_skew_through_reads_of_missing_keys_is_caught()
    {
        await using var db = await OpenAsync();
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        // "if nobody else is on call, I am": each checks the other's missing key, then inserts its own.
        Assert.False(await t1.ContainsKeyAsync("b", Ct));
        Assert.False(await t2.ContainsKeyAsync("a", Ct));
        await t1.InsertAsync("a", 1, Ct);
        await t2.InsertAsync("b", 1, Ct);

        await t1.CommitAsync(Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));
        Assert.False(await db.Handle.ContainsKeyAsync("b", Ct));
    }

    [Fact]
    public async Task Phantom_insert_into_a_scanned_range_is_caught()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("order:1", 5));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        // Each counts the orders and adds one only if fewer than two exist.
        Assert.Single(await t1.ScanRangeAsync("order:", "order:~", Ct).ToListAsync());
        Assert.Single(await t2.ScanRangeAsync("order:", "order:~", Ct).ToListAsync());
        await t1.InsertAsync("order:2", 1, Ct);
        await t2.InsertAsync("order:3", 1, Ct);

        await t1.CommitAsync(Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));
        Assert.Equal("order:1,order:2", await db.Handle.ScanPrefixAsync("order:", Ct).KeysAsync());
    }

    [Fact]
    public async Task Phantom_insert_into_a_scanned_prefix_is_caught()
    {
        await using var db = await OpenAsync();
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        Assert.Empty(await t1.ScanPrefixAsync("user:", Ct).ToListAsync());
        Assert.Empty(await t2.ScanPrefixAsync("user:", Ct).ToListAsync());
        await t1.InsertAsync("user:ann", 1, Ct);
        await t2.InsertAsync("user:bob", 1, Ct);

        await t1.CommitAsync(Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));
    }

    [Fact]
    public async Task Phantom_delete_from_a_scanned_range_is_caught()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1), ("b", 1), ("z", 0));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        // t1 sums a..c into z; t2 reads z and deletes b: each must come before the other.
        var sum = (await t1.ScanRangeAsync("a", "c", Ct).ToListAsync()).Sum(p => p.Value);
        await t1.InsertAsync("z", sum, Ct);
        Assert.Equal(0, (await t2.GetAsync("z", Ct)).Value);
        await t2.RemoveAsync("b", Ct);

        await t2.CommitAsync(Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t1.CommitAsync(Ct));
    }

    [Fact]
    public async Task A_scan_stopped_early_depends_only_on_the_keys_it_returned()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1), ("b", 1));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        await foreach (var pair in t1.ScanRangeAsync("a", "z", Ct))
        {
            Assert.Equal("a", pair.Key);
            break;
        }

        await t1.InsertAsync("q", 1, Ct);
        Assert.False(await t2.ContainsKeyAsync("q", Ct));
        await t2.InsertAsync("m", 1, Ct);

        // t2 -rw-> t1 through "q"; t1 never looked past "a", so there is no edge back.
        await t1.CommitAsync(Ct);
        await t2.CommitAsync(Ct);
    }

    [Fact]
    public async Task A_completed_scan_depends_on_its_whole_range()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1), ("b", 1));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        Assert.Equal(2, (await t1.ScanRangeAsync("a", "z", Ct).ToListAsync()).Count);
        await t1.InsertAsync("q", 1, Ct);
        Assert.False(await t2.ContainsKeyAsync("q", Ct));
        await t2.InsertAsync("m", 1, Ct);

        await t1.CommitAsync(Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));
    }

    [Fact]
    public async Task Read_only_anomaly_aborts_the_reader_and_spares_the_writers()
    {
        // Fekete, O'Neil and O'Neil 2004: checking (x) and savings (y) both 0.
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        await using var withdraw = db.Handle.BeginTransaction();
        var x = (await withdraw.GetAsync("x", Ct)).Value;
        var y = (await withdraw.GetAsync("y", Ct)).Value;

        await db.Handle.TransactionAsync(async (deposit, ct) => await deposit.InsertAsync("y", (await deposit.GetAsync("y", ct)).Value + 20, ct), Ct);

        await using var report = db.Handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
        Assert.Equal(0, (await report.GetAsync("x", Ct)).Value);
        Assert.Equal(20, (await report.GetAsync("y", Ct)).Value);

        // Overdraft fee: it read y = 0, so withdrawing 10 costs 11.
        await withdraw.InsertAsync("x", x + y - 11, Ct);
        await withdraw.CommitAsync(Ct);

        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await report.CommitAsync(Ct));
        Assert.Equal(report.Id, conflict.TransactionId);
        Assert.Equal(withdraw.Id, conflict.ConflictingTransactionId);
        Assert.Equal(-11, await db.Handle.ValueAsync("x"));
    }

    [Fact]
    public async Task Reading_from_a_committed_pivot_aborts_the_reader_at_the_read()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        await using var tin = db.Handle.BeginTransaction();
        await using var pivot = db.Handle.BeginTransaction();

        Assert.Equal(0, (await pivot.GetAsync("y", Ct)).Value);
        await db.Handle.InsertAsync("y", 1, Ct);            // tout: commits first
        await pivot.InsertAsync("x", 1, Ct);
        await pivot.CommitAsync(Ct);                        // pivot -rw-> tout, tout committed first

        await Assert.ThrowsAsync<SerializationConflictException>(async () => await tin.GetAsync("x", Ct));
        Assert.Equal(TransactionStatus.RolledBack, tin.Status);
        Assert.Equal(1, await db.Handle.ValueAsync("x"));
    }

    [Fact]
    public async Task A_read_only_reader_whose_snapshot_precedes_tout_is_not_aborted()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        var writer = db.Handle.BeginTransaction();          // keeps the reader's snapshot unsafe
        await using var reader = db.Handle.BeginTransaction(new TransactionOptions { ReadOnly = true });
        await using var pivot = db.Handle.BeginTransaction();

        await pivot.GetAsync("y", Ct);
        await db.Handle.InsertAsync("y", 1, Ct);
        await pivot.InsertAsync("x", 1, Ct);
        await pivot.CommitAsync(Ct);

        Assert.Equal(0, (await reader.GetAsync("x", Ct)).Value);
        Assert.Equal(0, (await reader.GetAsync("y", Ct)).Value);
        await reader.CommitAsync(Ct);
        await writer.RollbackAsync(Ct);
    }

    [Fact]
    public async Task A_reader_depends_on_the_writer_that_replaced_its_version_not_on_a_later_overwriter()
    {
        // PostgreSQL's multiple-row-versions schedule. t1 read c before t2 replaced it, so t1 -rw-> t2;
        // t3 overwrote t2's version (t2 -ww-> t3), which t1 never saw, so t3 is no pivot: t3 -rw-> t4
        // alone never aborts. The cycle t1 -rw-> t2 -ww-> t3 -rw-> t4 -rw-> t1 is t1's to break.
        await using var db = await FluxDatabase.OpenAsync<int, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        const int A = 1, B = 500_000, C = 1_000_000;
        foreach (var key in (int[])[A, B, C])
        {
            await handle.InsertAsync(key, "initial", Ct);
        }

        await using var t1 = handle.BeginTransaction();
        Assert.Equal("initial", (await t1.GetAsync(C, Ct)).Value);
        await using var t2 = handle.BeginTransaction();
        await t2.InsertAsync(C, "t2", Ct);
        await t2.CommitAsync(Ct);
        await using var t3 = handle.BeginTransaction();
        await t3.InsertAsync(C, "t3", Ct);
        Assert.Equal("initial", (await t3.GetAsync(B, Ct)).Value);
        await using var t4 = handle.BeginTransaction();
        await t4.InsertAsync(B, "t4", Ct);
        Assert.Equal("initial", (await t4.GetAsync(A, Ct)).Value);
        await t4.CommitAsync(Ct);

        await t3.CommitAsync(Ct);
        await t1.InsertAsync(A, "t1", Ct);
        var conflict = await Assert.ThrowsAsync<SerializationConflictException>(async () => await t1.CommitAsync(Ct));

        Assert.Equal(t1.Id, conflict.TransactionId);
        Assert.Equal("initial", (await handle.GetAsync(A, Ct)).Value);
        Assert.Equal("t4", (await handle.GetAsync(B, Ct)).Value);
        Assert.Equal("t3", (await handle.GetAsync(C, Ct)).Value);
    }

    [Fact]
    public async Task A_late_read_depends_only_on_the_first_version_after_its_snapshot()
    {
        // As above, but t1 reads c only after t3 committed: it meets t2's and t3's versions, and
        // its dependency is on t2 (which has none of its own), not on the pivot-shaped t3.
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 0), ("b", 0), ("c", 0));
        await using var t1 = db.Handle.BeginTransaction();
        await db.Handle.InsertAsync("c", 2, Ct);
        await using var t3 = db.Handle.BeginTransaction();
        await t3.InsertAsync("c", 3, Ct);
        Assert.Equal(0, (await t3.GetAsync("b", Ct)).Value);
        await db.Handle.InsertAsync("b", 4, Ct);
        await t3.CommitAsync(Ct);

        Assert.Equal(0, (await t1.GetAsync("c", Ct)).Value);
        await t1.InsertAsync("d", 1, Ct);
        await t1.CommitAsync(Ct);

        Assert.Equal(3, await db.Handle.ValueAsync("c"));
        Assert.Equal(1, await db.Handle.ValueAsync("d"));
    }

    [Fact]
    public async Task A_committed_reader_of_an_older_version_gives_a_later_overwriter_no_in_edge()
    {
        // t1 read c before t2 replaced it and committed after t4: t1 stays retained while t3, which
        // overwrites t2's version, commits; t3 -rw-> t4 is its only dependency.
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("b", 0), ("c", 0));
        await using var t1 = db.Handle.BeginTransaction();
        Assert.Equal(0, (await t1.GetAsync("c", Ct)).Value);
        await db.Handle.InsertAsync("c", 2, Ct);
        await using var t3 = db.Handle.BeginTransaction();
        await t3.InsertAsync("c", 3, Ct);
        Assert.Equal(0, (await t3.GetAsync("b", Ct)).Value);
        await db.Handle.InsertAsync("b", 4, Ct);
        await t1.InsertAsync("z", 1, Ct);
        await t1.CommitAsync(Ct);

        await t3.CommitAsync(Ct);
        Assert.Equal(3, await db.Handle.ValueAsync("c"));
    }

    [Fact]
    public async Task A_single_read_write_dependency_never_aborts()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();

        await t1.GetAsync("x", Ct);
        await t1.InsertAsync("y", 1, Ct);
        await t2.InsertAsync("x", 1, Ct);

        await t2.CommitAsync(Ct);
        await t1.CommitAsync(Ct);
    }

    [Theory]
    [InlineData("t1,t2,t3")]
    [InlineData("t1,t3,t2")]
    [InlineData("t3,t1,t2")]
    public async Task A_chain_of_dependencies_commits_unless_its_last_transaction_commits_first(string order)
    {
        // t1 -rw-> t2 -rw-> t3 with no edge back: serializable as t1, t2, t3. Only when t3 commits
        // before both others is the structure dangerous (t1 could still read t3's effects).
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 0), ("y", 0));
        var t1 = db.Handle.BeginTransaction();
        var t2 = db.Handle.BeginTransaction();
        var t3 = db.Handle.BeginTransaction();
        await t1.GetAsync("x", Ct);
        await t1.InsertAsync("a", 1, Ct);
        await t2.GetAsync("y", Ct);
        await t2.InsertAsync("x", 1, Ct);
        await t3.InsertAsync("y", 1, Ct);
        var all = new Dictionary<string, FluxTransaction<string, int>> { ["t1"] = t1, ["t2"] = t2, ["t3"] = t3 };

        var aborted = new List<string>();
        foreach (var name in order.Split(','))
        {
            try
            {
                await all[name].CommitAsync(Ct);
            }
            catch (SerializationConflictException)
            {
                aborted.Add(name);
            }
        }

        Assert.Equal(order == "t3,t1,t2" ? ["t2"] : Array.Empty<string>(), aborted);
    }

    [Fact]
    public async Task Aborted_transactions_leave_no_trace_and_do_not_block_others()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("x", 1), ("y", 1));
        await using var t1 = db.Handle.BeginTransaction();
        await using var t2 = db.Handle.BeginTransaction();
        await t1.GetAsync("x", Ct);
        await t1.GetAsync("y", Ct);
        await t2.GetAsync("x", Ct);
        await t2.GetAsync("y", Ct);
        await t1.InsertAsync("x", 0, Ct);
        await t2.InsertAsync("y", 0, Ct);
        await t2.InsertAsync("extra", 5, Ct);
        await t1.CommitAsync(Ct);
        await Assert.ThrowsAsync<SerializationConflictException>(async () => await t2.CommitAsync(Ct));

        // t2's reads die with it: a later writer of what t2 read commits freely.
        await using var t3 = db.Handle.BeginTransaction();
        await t3.GetAsync("extra", Ct);
        await t3.InsertAsync("y", 7, Ct);
        await t3.CommitAsync(Ct);

        Assert.False(await db.Handle.ContainsKeyAsync("extra", Ct));
        Assert.Equal(7, await db.Handle.ValueAsync("y"));
    }
}

using Microsoft.Extensions.Options;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

public sealed class HandleTests
{
    [Fact]
    public async Task A_miss_is_distinguishable_from_a_stored_default()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.InsertAsync("zero", 0, Ct);

        var zero = await handle.GetAsync("zero", Ct);
        var missing = await handle.GetAsync("missing", Ct);

        Assert.True(zero.HasValue);
        Assert.Equal(0, zero.Value);
        Assert.False(missing.HasValue);
        Assert.Equal(-1, missing.GetValueOrDefault(-1));
        Assert.False(missing.TryGetValue(out _));
        var error = Assert.Throws<InvalidOperationException>(() => missing.Value);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Insert_is_an_upsert_and_remove_reports_whether_the_key_existed()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;

        await handle.InsertAsync("a", 1, Ct);
        await handle.InsertAsync("a", 2, Ct);
        Assert.Equal(2, await handle.ValueAsync("a"));
        Assert.True(await handle.ContainsKeyAsync("a", Ct));

        Assert.True(await handle.RemoveAsync("a", Ct));
        Assert.False(await handle.RemoveAsync("a", Ct));
        Assert.False(await handle.RemoveAsync("never", Ct));
        Assert.False(await handle.ContainsKeyAsync("a", Ct));
        Assert.False((await handle.GetAsync("a", Ct)).HasValue);

        await handle.InsertAsync("a", 3, Ct);
        Assert.Equal(3, await handle.ValueAsync("a"));
    }

    [Fact]
    public async Task Null_keys_are_refused_with_ArgumentNullException()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await using var tx = handle.BeginTransaction();

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await handle.GetAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await handle.InsertAsync(null!, 1, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await handle.RemoveAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await handle.ContainsKeyAsync(null!, Ct));
        Assert.Throws<ArgumentNullException>(() => handle.ScanPrefixAsync(null!, Ct));
        Assert.Throws<ArgumentNullException>(() => handle.ScanRangeAsync(null!, "z", Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await tx.GetAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await tx.InsertAsync(null!, 1, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await tx.RemoveAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await handle.TransactionAsync<int>(null!, Ct));
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_call_before_it_writes()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await handle.InsertAsync("a", 1, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await handle.GetAsync("a", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await handle.TransactionAsync(async (tx, ct) => await tx.InsertAsync("a", 1, ct), cancelled.Token));

        Assert.False(await handle.ContainsKeyAsync("a", Ct));
    }

    [Fact]
    public async Task Everything_throws_ObjectDisposedException_after_the_database_is_disposed()
    {
        var test = await OpenAsync();
        var (db, handle) = (test.Db, test.Handle);
        var tx = handle.BeginTransaction();
        await db.DisposeAsync();

        ObjectDisposedException[] errors =
        [
            Assert.Throws<ObjectDisposedException>(() => db.CreateHandle()),
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await handle.GetAsync("a", Ct)),
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await handle.InsertAsync("a", 1, Ct)),
            Assert.Throws<ObjectDisposedException>(() => handle.BeginTransaction()),
            Assert.Throws<ObjectDisposedException>(() => handle.ScanRangeAsync("a", "b", Ct)),
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await tx.GetAsync("a", Ct)),
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await tx.CommitAsync(Ct)),
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await db.VacuumAsync(Ct)),
        ];

        // Named as a reader writes the type, not FluxDatabase`2[[System.String, System.Private.CoreLib, ...]].
        Assert.All(errors, e => Assert.Equal("FluxDatabase<string, int>", e.ObjectName));
        await tx.DisposeAsync();
        await db.DisposeAsync();
    }

    [Fact]
    public async Task Byte_array_keys_are_copied_so_later_changes_to_the_caller_array_do_not_reach_the_database()
    {
        await using var db = await FluxDatabase.OpenAsync<byte[], string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        var key = new byte[] { 1, 2, 3 };
        await handle.InsertAsync(key, "v", Ct);
        key[0] = 9;

        Assert.True((await handle.GetAsync([1, 2, 3], Ct)).HasValue);
        Assert.False((await handle.GetAsync([9, 2, 3], Ct)).HasValue);
    }

    [Fact]
    public async Task A_custom_comparer_decides_key_identity_and_order()
    {
        await using var db = await FluxDatabase.CreateBuilder<string, int>()
            .WithComparer(StringComparer.OrdinalIgnoreCase)
            .OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("b", 1, Ct);
        await handle.InsertAsync("A", 2, Ct);
        await handle.InsertAsync("B", 3, Ct);

        Assert.Equal(3, await handle.ValueAsync("b"));
        Assert.Equal("A,b", await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
        var error = Assert.Throws<NotSupportedException>(() => handle.ScanPrefixAsync("a", Ct));
        Assert.Contains("custom comparer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_comparer_without_matching_equality_is_refused_at_open()
    {
        var builder = FluxDatabase.CreateBuilder<string, int>().WithComparer(Comparer<string>.Create(string.CompareOrdinal));

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await builder.OpenAsync(Ct));
        Assert.Contains("IEqualityComparer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_type_without_an_order_is_refused_at_open_saying_what_to_supply()
    {
        var error = await Assert.ThrowsAsync<NotSupportedException>(async () => await FluxDatabase.OpenAsync<UnorderedKey, int>(cancellationToken: Ct));

        Assert.Equal(
            "The key type UnorderedKey has no order: it implements neither IComparable<UnorderedKey> nor IComparable, and no comparer was given. " +
            "Implement IComparable<UnorderedKey> on it, or pass a comparer (and an equality comparer that agrees with it) with " +
            "FluxDatabase.CreateBuilder<UnorderedKey, TValue>().WithComparer(comparer, equality).",
            error.Message);
        var byName = Comparer<UnorderedKey>.Create((a, b) => string.CompareOrdinal(a.Name, b.Name));
        await using var ordered = await FluxDatabase.CreateBuilder<UnorderedKey, int>().WithComparer(byName, EqualityComparer<UnorderedKey>.Default).OpenAsync(Ct);
        await ordered.CreateHandle().InsertAsync(new UnorderedKey("b"), 2, Ct);
        await ordered.CreateHandle().InsertAsync(new UnorderedKey("a"), 1, Ct);
        Assert.Equal(["a", "b"], (await ordered.CreateHandle().ScanAsync(KeyRange<UnorderedKey>.All, cancellationToken: Ct).ToListAsync()).Select(p => p.Key.Name));
    }

    [Fact]
    public async Task Invalid_options_are_refused_with_a_message_naming_them()
    {
        var options = new FluxMapOptions { MaxTransactionAttempts = 0, RetryBaseDelay = TimeSpan.FromSeconds(2), RetryMaxDelay = TimeSpan.FromSeconds(1) };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await FluxDatabase.OpenAsync<string, int>(options, Ct));
        Assert.Contains("MaxTransactionAttempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("RetryMaxDelay", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Failures.Count());
    }

    [Fact]
    public async Task Handles_share_one_database()
    {
        await using var db = await OpenAsync();
        var first = db.Handle;
        var second = db.Db.CreateHandle();

        await first.InsertAsync("k", 7, Ct);

        Assert.Equal(7, await second.ValueAsync("k"));
    }

    private sealed record UnorderedKey(string Name);
}

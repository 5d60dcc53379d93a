using FluxMap.Storage;
using Microsoft.Extensions.Time.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// A transaction's own writes, as it reads and scans them before the commit and as the commit
/// publishes them, for write sets from one short array to many chunks.
/// </summary>
public sealed class TransactionWorkspaceTests
{
    [Fact]
    public async Task The_last_write_of_a_key_wins_and_a_delete_then_an_insert_restores_it()
    {
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1), ("b", 2));
        await using var tx = db.Handle.BeginTransaction();

        await tx.InsertAsync("a", 10, Ct);
        await tx.InsertAsync("a", 11, Ct);
        Assert.True(await tx.RemoveAsync("b", Ct));
        Assert.False(await tx.ContainsKeyAsync("b", Ct));
        await tx.InsertAsync("b", 20, Ct);
        await tx.InsertAsync("c", 3, Ct);
        Assert.True(await tx.RemoveAsync("c", Ct));
        Assert.False(await tx.RemoveAsync("c", Ct));
        Assert.False(await tx.RemoveAsync("d", Ct));

        Assert.Equal(11, (await tx.GetAsync("a", Ct)).Value);
        Assert.Equal(20, (await tx.GetAsync("b", Ct)).Value);
        Assert.False((await tx.GetAsync("c", Ct)).HasValue);
        Assert.Equal("a,b", await tx.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
        await tx.CommitAsync(Ct);

        Assert.Equal("a,b", await db.Handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
        Assert.Equal(11, await db.Handle.ValueAsync("a"));
        Assert.Equal(20, await db.Handle.ValueAsync("b"));
    }

    [Fact]
    public async Task Reads_of_a_key_the_transaction_wrote_answer_from_its_write()
    {
        var clock = new FakeTimeProvider();
        await using var db = await FluxDatabase.CreateBuilder<string, int>()
            .WithOptions(new FluxMapOptions { ExpirationSweepInterval = TimeSpan.Zero, RetryBaseDelay = TimeSpan.Zero })
            .WithTimeProvider(clock)
            .OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("kept", 1, Ct);
        await using var tx = handle.BeginTransaction();

        await tx.InsertAsync("session", 5, TimeSpan.FromMinutes(10), Ct);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(TimeSpan.FromMinutes(6), (await tx.GetTimeToLiveAsync("session", Ct)).Value);
        Assert.Equal(6, await tx.UpdateAsync("session", v => v.Value + 1, Ct));
        Assert.Equal(TimeSpan.FromMinutes(6), (await tx.GetTimeToLiveAsync("session", Ct)).Value);
        await tx.InsertAsync("kept", 2, Ct);
        Assert.Null((await tx.GetTimeToLiveAsync("kept", Ct)).Value);
        Assert.True(await tx.RemoveAsync("kept", Ct));
        Assert.False((await tx.GetTimeToLiveAsync("kept", Ct)).HasValue);
        Assert.Equal(1, await tx.UpdateAsync("kept", v => v.HasValue ? -1 : 1, Ct));
        await tx.CommitAsync(Ct);

        Assert.Equal(6, (await handle.GetAsync("session", Ct)).Value);
        Assert.Equal(TimeSpan.FromMinutes(6), (await handle.GetTimeToLiveAsync("session", Ct)).Value);
        Assert.Equal(1, (await handle.GetAsync("kept", Ct)).Value);
    }

    // Stored keys are the even ones; the transaction inserts odd keys, overwrites and deletes even
    // ones, in a seeded random order, so its write set holds 3 writes up to several chunks.
    [Theory]
    [InlineData(3)]
    [InlineData(WriteSet<string, int>.ChunkCapacity)]
    [InlineData(WriteSet<string, int>.ChunkCapacity + 1)]
    [InlineData(700)]
    public async Task Scans_in_a_transaction_merge_its_writes_with_the_store(int writes)
    {
        const int Stored = 400;
        await using var db = await OpenAsync();
        var model = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await db.Handle.TransactionAsync(
            async (tx, ct) =>
            {
                for (var i = 0; i < Stored; i += 2)
                {
                    await tx.InsertAsync(Key(i), i, ct);
                    model[Key(i)] = i;
                }
            },
            Ct);

        var random = new Random(SeedOr(31) + writes);
        await using var tx = db.Handle.BeginTransaction();
        for (var n = 0; n < writes; n++)
        {
            var i = random.Next(Stored);
            if (random.Next(4) == 0)
            {
                Assert.Equal(model.Remove(Key(i)), await tx.RemoveAsync(Key(i), Ct));
            }
            else
            {
                await tx.InsertAsync(Key(i), -n, Ct);
                model[Key(i)] = -n;
            }
        }

        Assert.Equal(model.ToList(), await tx.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync());
        Assert.Equal(model.Reverse().ToList(), await tx.ScanAsync(KeyRange<string>.All, ScanDirection.Reverse, Ct).ToListAsync());
        var (low, high) = (Key(Stored / 4), Key((3 * Stored / 4) + 1));
        Assert.Equal(
            model.Where(p => string.CompareOrdinal(p.Key, low) > 0 && string.CompareOrdinal(p.Key, high) < 0).ToList(),
            await tx.ScanAsync(KeyRange<string>.Between(low, high, fromInclusive: false, toInclusive: false), cancellationToken: Ct).ToListAsync());
        Assert.Equal(
            model.Where(p => string.CompareOrdinal(p.Key, low) >= 0 && string.CompareOrdinal(p.Key, high) <= 0).Reverse().ToList(),
            await tx.ScanAsync(KeyRange<string>.Between(low, high), ScanDirection.Reverse, Ct).ToListAsync());

        // A key written ahead of a running scan is seen when the scan reaches it; one behind it is not.
        var seen = new List<string>();
        await foreach (var (key, _) in tx.ScanAsync(KeyRange<string>.All, cancellationToken: Ct))
        {
            if (seen.Count == 0)
            {
                await tx.InsertAsync("0-behind", 0, Ct);
                await tx.InsertAsync("z-ahead", 0, Ct);
            }

            seen.Add(key);
        }

        Assert.Equal(model.Keys.Append("z-ahead"), seen);
        model["0-behind"] = model["z-ahead"] = 0;
        await tx.CommitAsync(Ct);

        Assert.Equal(model.ToList(), await db.Handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync());
    }

    private static string Key(int i) => $"k{i:D4}";
}

using FluxMap.Storage;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>A transaction's workspace on its own: ordering, overwrites and searches, from one short array to many chunks.</summary>
public sealed class WriteSetTests
{
    public enum Order
    {
        Ascending,
        Descending,
        Random,
    }

    [Theory]
    [InlineData(Order.Ascending, 3)]
    [InlineData(Order.Random, WriteSet<int, int>.ChunkCapacity)]
    [InlineData(Order.Ascending, 5_000)]
    [InlineData(Order.Descending, 5_000)]
    [InlineData(Order.Random, 5_000)]
    public void Writes_stay_in_key_order_and_searchable_as_the_set_grows(Order order, int writes)
    {
        var random = new Random(SeedOr(7) + writes);
        var set = new WriteSet<int, int>(Comparer<int>.Default);
        var model = new SortedDictionary<int, (int Value, bool IsTombstone)>();
        for (var i = 0; i < writes; i++)
        {
            var key = order switch
            {
                Order.Ascending => i * 2,
                Order.Descending => (writes - i) * 2,
                _ => random.Next(writes * 2) * 2,
            };
            var tombstone = random.Next(5) == 0;
            set.Put(key, i, tombstone, tombstone ? 0 : i);
            model[key] = (i, tombstone);
        }

        Assert.Equal(model.Count, set.Count);
        Assert.Equal(model.Select(p => (p.Key, p.Value.Value, p.Value.IsTombstone)), Walk(set).Select(w => (w.Key, w.Value, w.IsTombstone)));
        Assert.Equal(model.Keys, set.CopyKeys());
        Assert.Equal(model.Count > 0, set.TryFirst(out var first));
        Assert.Equal(model.Keys.First(), first.Key);
        Assert.True(set.TryLast(out var last));
        Assert.Equal(model.Keys.Last(), last.Key);

        // Probes land on every key and between every two (keys are even).
        var keys = model.Keys.ToArray();
        int? At(int index) => index >= 0 && index < keys.Length ? keys[index] : null;
        int? Found(bool found, StagedWrite<int, int> write) => found ? write.Key : null;
        for (var probe = -1; probe <= keys[^1] + 1; probe++)
        {
            var index = Array.BinarySearch(keys, probe);
            var ceiling = index >= 0 ? index : ~index;
            Assert.Equal(index >= 0, set.TryFind(probe, out var write));
            if (index >= 0)
            {
                Assert.Equal(model[probe].Value, write.Value);
            }

            Assert.Equal(At(ceiling), Found(set.TryFindAfter(probe, inclusive: true, out write), write));
            Assert.Equal(At(index >= 0 ? index + 1 : ceiling), Found(set.TryFindAfter(probe, inclusive: false, out write), write));
            Assert.Equal(At(index >= 0 ? index : ceiling - 1), Found(set.TryFindBefore(probe, inclusive: true, out write), write));
            Assert.Equal(At(ceiling - 1), Found(set.TryFindBefore(probe, inclusive: false, out write), write));
        }
    }

    [Fact]
    public void Writing_a_key_again_replaces_its_write_and_keeps_its_first_instance()
    {
        var set = new WriteSet<string, int>(StringComparer.Ordinal);
        var first = new string('k', 3);
        set.Put(first, 1, isTombstone: false, 0);
        set.Put(new string('k', 3), 2, isTombstone: false, 500);
        Assert.True(set.TryFind("kkk", out var write));
        Assert.Equal(new StagedWrite<string, int>("kkk", 2, false, 500), write);
        Assert.Same(first, write.Key);

        // A delete then an insert, and the other way round: the last write wins; a tombstone has no deadline.
        set.Put("kkk", 0, isTombstone: true, 900);
        Assert.True(set.TryFind("kkk", out write));
        Assert.Equal((true, 0L), (write.IsTombstone, write.ExpiresAt));
        set.Put("kkk", 3, isTombstone: false, 0);
        Assert.True(set.TryFind("kkk", out write));
        Assert.Equal((false, 3), (write.IsTombstone, write.Value));
        Assert.Equal(1, set.Count);
    }

    [Fact]
    public void A_cleared_set_is_empty_and_takes_new_writes_in_order()
    {
        var set = new WriteSet<int, int>(Comparer<int>.Default);
        Assert.False(set.TryFirst(out _));
        Assert.False(set.TryLast(out _));
        Assert.False(set.TryFindAfter(0, inclusive: true, out _));
        Assert.False(set.TryFindBefore(0, inclusive: true, out _));
        foreach (var size in new[] { 3, 1_000, 10 })
        {
            for (var i = size; i > 0; i--)
            {
                set.Put(i, i, isTombstone: false, 0);
            }

            Assert.Equal(Enumerable.Range(1, size), Walk(set).Select(w => w.Key));
            set.Clear();
            Assert.Equal(0, set.Count);
            Assert.Empty(Walk(set));
            Assert.False(set.TryFind(1, out _));
            Assert.False(set.TryLast(out _));
        }
    }

    private static List<StagedWrite<TKey, TValue>> Walk<TKey, TValue>(WriteSet<TKey, TValue> set)
        where TKey : notnull
    {
        var writes = new List<StagedWrite<TKey, TValue>>();
        foreach (var write in set)
        {
            writes.Add(write);
        }

        return writes;
    }
}

using FluxMap.Storage;

namespace FluxMap.Tests;

public sealed class SkipListTests
{
    private static VersionedSkipList<int, int> NewList() =>
        new(KeyOrdering<int>.Create(null, null));

    [Fact]
    public void Nodes_stay_ordered_and_findable_under_random_inserts()
    {
        var list = NewList();
        var expected = new SortedSet<int>();
        var random = new Random(42);
        for (var i = 0; i < 20_000; i++)
        {
            var key = random.Next(0, 50_000);
            var node = list.GetOrAdd(key);
            Assert.Equal(key, node.Key);
            Assert.Same(node, list.GetOrAdd(key));
            expected.Add(key);
        }

        Assert.Equal(expected.Count, list.Count);
        var walked = new List<int>();
        for (var node = list.First; node is not null; node = node.Next(0))
        {
            walked.Add(node.Key);
        }

        Assert.Equal(expected, walked);
        Assert.Equal(expected.Max, list.Last()!.Key);
        var sorted = expected.ToArray();
        int? At(int index) => index >= 0 && index < sorted.Length ? sorted[index] : null;
        for (var probe = -1; probe <= 50_001; probe += 7)
        {
            var found = Array.BinarySearch(sorted, probe);
            var ceiling = found >= 0 ? found : ~found;
            Assert.Equal(found >= 0, list.Find(probe) is not null);
            Assert.Equal(At(ceiling), list.FindFirst(probe, inclusive: true)?.Key);
            Assert.Equal(At(found >= 0 ? found + 1 : ceiling), list.FindFirst(probe, inclusive: false)?.Key);
            Assert.Equal(At(found >= 0 ? found : ceiling - 1), list.FindLast(probe, inclusive: true)?.Key);
            Assert.Equal(At(ceiling - 1), list.FindLast(probe, inclusive: false)?.Key);
        }
    }

    [Fact]
    public void Appending_in_key_order_builds_the_same_searchable_list_and_refuses_anything_else()
    {
        var list = NewList();
        var keys = Enumerable.Range(0, 5_000).Select(i => i * 3).ToArray();
        foreach (var key in keys)
        {
            Assert.Equal(key, list.Append(key).Key);
        }

        Assert.Equal(keys.Length, list.Count);
        var walked = new List<int>();
        for (var node = list.First; node is not null; node = node.Next(0))
        {
            walked.Add(node.Key);
        }

        Assert.Equal(keys, walked);
        Assert.All(keys, key => Assert.Equal(key, list.Find(key)!.Key));
        Assert.Equal(3, list.FindFirst(1, inclusive: true)!.Key);
        Assert.Equal(14_997, list.FindLast(15_000, inclusive: true)!.Key);

        Assert.Throws<InvalidOperationException>(() => list.Append(14_994));

        // An ordinary insert ends the run of appends: searching inserts go on, appends are refused.
        Assert.Equal(1, list.GetOrAdd(1).Key);
        Assert.Throws<InvalidOperationException>(() => list.Append(20_000));
        Assert.Equal(20_000, list.GetOrAdd(20_000).Key);
    }

    [Fact]
    public void Version_chains_answer_each_snapshot_with_the_newest_version_at_or_below_it()
    {
        var node = NewList().GetOrAdd(1);
        node.Publish(10, 100, isTombstone: false, expiresAt: 0, horizon: 0);
        node.Publish(20, 0, isTombstone: true, expiresAt: 0, horizon: 0);
        node.Publish(30, 300, isTombstone: false, expiresAt: 0, horizon: 0);

        Assert.Null(node.Read(9));
        Assert.Equal(100, node.Read(10)!.Value);
        Assert.Equal(100, node.Read(19)!.Value);
        Assert.True(node.Read(25)!.IsTombstone);
        Assert.Equal(300, node.Read(long.MaxValue)!.Value);
        Assert.Equal(30, node.Head!.Timestamp);
    }

    [Fact]
    public void Publishing_forgets_exactly_the_versions_below_the_one_the_horizon_reads()
    {
        var node = NewList().GetOrAdd(1);
        for (var ts = 10; ts <= 50; ts += 10)
        {
            node.Publish(ts, ts, isTombstone: false, expiresAt: 0, horizon: 0);
        }

        node.Publish(60, 60, isTombstone: false, expiresAt: 0, horizon: 35);

        Assert.Equal([60, 50, 40, 30], Chain(node));
        Assert.Equal(30, node.Read(35)!.Value);
        Assert.Null(node.Read(25));
        node.Publish(70, 70, isTombstone: false, expiresAt: 0, horizon: 1_000);
        Assert.Equal([70], Chain(node));
    }

    private static List<long> Chain(SkipListNode<int, int> node)
    {
        var chain = new List<long>();
        for (var version = node.Head; version is not null; version = version.Older)
        {
            chain.Add(version.Timestamp);
        }

        return chain;
    }

    [Fact]
    public async Task Readers_never_miss_a_key_that_was_linked_before_they_looked()
    {
        var list = NewList();
        const int Count = 50_000;
        var published = -1;

        var writer = Task.Run(() =>
        {
            for (var i = 0; i < Count; i++)
            {
                // Insert in a scattered order so links land all over the list.
                var key = (int)((i * 2_654_435_761L) % Count);
                list.GetOrAdd(key).Publish(1, key, isTombstone: false, expiresAt: 0, horizon: 0);
                Volatile.Write(ref published, i);
            }
        }, TestContext.Current.CancellationToken);

        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var misses = 0;
            while (Volatile.Read(ref published) < Count - 1)
            {
                var upTo = Volatile.Read(ref published);
                for (var i = Math.Max(0, upTo - 64); i <= upTo; i++)
                {
                    var key = (int)((i * 2_654_435_761L) % Count);
                    if (list.Find(key) is null || list.FindFirst(key, inclusive: true)?.Key != key)
                    {
                        misses++;
                    }
                }
            }

            return misses;
        }, TestContext.Current.CancellationToken)).ToArray();

        await writer;
        Assert.All(await Task.WhenAll(readers), misses => Assert.Equal(0, misses));
        Assert.Equal(Count, list.Count);
    }

    [Fact]
    public void A_key_linked_in_below_the_key_searched_for_during_the_search_is_not_its_answer()
    {
        // The comparer plays the writer: as the search compares 4 with 3, standing on 0, it links
        // 2 in between. A search that read its answer again from 0 returned 2, below 3.
        VersionedSkipList<int, int>? list = null;
        var linkDuringSearch = false;
        var comparer = Comparer<int>.Create((a, b) =>
        {
            if (linkDuringSearch && (a, b) == (4, 3))
            {
                linkDuringSearch = false;
                list!.GetOrAdd(2);
            }

            return a.CompareTo(b);
        });
        list = new(KeyOrdering<int>.Create(comparer, EqualityComparer<int>.Default));
        list.GetOrAdd(0);
        list.GetOrAdd(4);

        linkDuringSearch = true;
        Assert.Equal(4, list.FindFirst(3, inclusive: true)?.Key);
        Assert.False(linkDuringSearch);
        Assert.Equal([0, 2, 4], Keys(list));
    }

    private static List<int> Keys(VersionedSkipList<int, int> list)
    {
        var keys = new List<int>();
        for (var node = list.First; node is not null; node = node.Next(0))
        {
            keys.Add(node.Key);
        }

        return keys;
    }

    [Theory]
    [InlineData("user:", "user;")]
    [InlineData("a\uffff", "b")]
    [InlineData("\uffff\uffff", null)]
    [InlineData("", null)]
    public void A_string_prefix_range_ends_at_the_smallest_key_above_every_prefixed_key(string prefix, string? upper)
    {
        var range = KeyOrdering<string>.Create(null, null).PrefixRange(prefix);

        Assert.Equal(prefix, range.Lower);
        Assert.Equal(upper is not null, range.HasUpper);
        Assert.Equal(upper, range.HasUpper ? range.Upper : null);
        Assert.False(range.UpperInclusive);
    }
}

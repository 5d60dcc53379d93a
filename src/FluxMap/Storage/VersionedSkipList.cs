namespace FluxMap.Storage;

/// <summary>
/// Ordered map from key to version chain. Readers never lock: nodes are fully built before they
/// are linked, level 0 first, and are never unlinked while a reader could be on them without
/// their forward links staying valid. Writers are serialized by the caller, the database's
/// commit step. A hash index beside the list answers point lookups in O(1).
/// </summary>
internal sealed class VersionedSkipList<TKey, TValue>
    where TKey : notnull
{
    // Room for billions of keys at one level more per factor of four.
    private const int MaxHeight = 24;

    private readonly SkipListNode<TKey, TValue> _head;
    private readonly IComparer<TKey> _comparer;
    private readonly KeyIndex<TKey, TValue> _index;
    private readonly bool _tracked;
    private readonly SkipListNode<TKey, TValue>[] _preds;
    private ulong _random = 0x9E3779B97F4A7C15UL;
    private int _height = 1;
    private int _count;
    private SkipListNode<TKey, TValue>[]? _tails;

    /// <param name="ordering">Key order and equality.</param>
    /// <param name="tracked">Whether nodes have a place in a memory limit's recency list (<see cref="TrackedSkipListNode{TKey, TValue}"/>).</param>
    internal VersionedSkipList(KeyOrdering<TKey> ordering, bool tracked = false)
    {
        _tracked = tracked;
        _head = new SkipListNode<TKey, TValue>(default!, MaxHeight);
        _preds = new SkipListNode<TKey, TValue>[MaxHeight];
        _comparer = ordering.Comparer;
        _index = new KeyIndex<TKey, TValue>(ordering.Equality);
    }

    internal int Count => Volatile.Read(ref _count);

    internal SkipListNode<TKey, TValue>? First => _head.Next(0);

    internal SkipListNode<TKey, TValue>? Find(TKey key) => _index.Find(key);

    /// <summary>The node for <paramref name="key"/>, linked in first if it is new. Writers only.</summary>
    internal SkipListNode<TKey, TValue> GetOrAdd(TKey key) => _index.Find(key) ?? AddAbsent(key);

    /// <summary>
    /// Links in a node for a key the caller, a writer, has just looked up and not found: skips the
    /// index probe that <see cref="GetOrAdd"/> would repeat.
    /// </summary>
    internal SkipListNode<TKey, TValue> AddAbsent(TKey key)
    {
        _tails = null;
        var preds = _preds;
        var x = _head;
        for (var level = _height - 1; level >= 0; level--)
        {
            for (var next = x.Next(level); next is not null && _comparer.Compare(next.Key, key) < 0; next = x.Next(level))
            {
                x = next;
            }

            preds[level] = x;
        }

        var candidate = x.Next(0);
        if (candidate is not null && _comparer.Compare(candidate.Key, key) == 0)
        {
            return candidate;
        }

        var height = RandomHeight();
        for (var level = _height; level < height; level++)
        {
            preds[level] = _head;
        }

        var node = NewNode(key, height);
        for (var level = 0; level < height; level++)
        {
            node.SetNext(level, preds[level].Next(level));
        }

        // Link bottom-up: a reader that reaches the node at any level can always descend to it.
        for (var level = 0; level < height; level++)
        {
            preds[level].SetNext(level, node);
        }

        if (height > _height)
        {
            Volatile.Write(ref _height, height);
        }

        _index.Add(node);
        Volatile.Write(ref _count, _count + 1);
        return node;
    }

    /// <summary>Makes room in the key index for <paramref name="keys"/> keys in all before a load adds them.</summary>
    internal void Reserve(int keys) => _index.Reserve(keys);

    /// <summary>
    /// Links in a node for a key above every key so far without searching: loading an empty list
    /// in key order at open, before anyone reads it. Any other insert or removal ends the run.
    /// </summary>
    internal SkipListNode<TKey, TValue> Append(TKey key)
    {
        if (_tails is null)
        {
            if (_count != 0)
            {
                throw new InvalidOperationException("Append works only on a list built by appends alone.");
            }

            _tails = new SkipListNode<TKey, TValue>[MaxHeight];
            Array.Fill(_tails, _head);
        }
        else if (!ReferenceEquals(_tails[0], _head) && _comparer.Compare(_tails[0].Key, key) >= 0)
        {
            throw new InvalidOperationException("Append needs keys in ascending order.");
        }

        var height = RandomHeight();
        var node = NewNode(key, height);
        for (var level = 0; level < height; level++)
        {
            _tails[level].SetNext(level, node);
            _tails[level] = node;
        }

        _height = Math.Max(_height, height);
        _index.Add(node);
        _count++;
        return node;
    }

    /// <summary>
    /// Unlinks a node. Writers only. The node keeps its own forward links, so a reader standing on
    /// it still reaches the rest of the list; it may miss keys linked in after the removal, which
    /// are newer than any snapshot that reader could have.
    /// </summary>
    internal void Remove(SkipListNode<TKey, TValue> node)
    {
        _tails = null;
        var x = _head;
        for (var level = _height - 1; level >= 0; level--)
        {
            for (var next = x.Next(level); next is not null && _comparer.Compare(next.Key, node.Key) < 0; next = x.Next(level))
            {
                x = next;
            }

            if (ReferenceEquals(x.Next(level), node))
            {
                x.SetNext(level, node.Next(level));
            }
        }

        _index.Remove(node);
        Volatile.Write(ref _count, _count - 1);
    }

    /// <summary>The first node at or after (<paramref name="inclusive"/>) or strictly after <paramref name="key"/>.</summary>
    internal SkipListNode<TKey, TValue>? FindFirst(TKey key, bool inclusive)
    {
        FindLastBefore(key, !inclusive, out var first);
        return first;
    }

    /// <summary>The last node at or before (<paramref name="inclusive"/>) or strictly before <paramref name="key"/>; null if none.</summary>
    internal SkipListNode<TKey, TValue>? FindLast(TKey key, bool inclusive)
    {
        var node = FindLastBefore(key, inclusive, out _);
        return ReferenceEquals(node, _head) ? null : node;
    }

    /// <summary>The last node in key order; null when empty.</summary>
    internal SkipListNode<TKey, TValue>? Last()
    {
        var x = _head;
        for (var level = Volatile.Read(ref _height) - 1; level >= 0; level--)
        {
            for (var next = x.Next(level); next is not null; next = x.Next(level))
            {
                x = next;
            }
        }

        return ReferenceEquals(x, _head) ? null : x;
    }

    // The last node whose key is below key (or at it, when orEqual), the head sentinel if none;
    // after, the node found after it at level 0. That one is passed out, not read again from the
    // last node: a key a writer links in between meanwhile would be below key.
    private SkipListNode<TKey, TValue> FindLastBefore(TKey key, bool orEqual, out SkipListNode<TKey, TValue>? after)
    {
        var x = _head;
        after = null;
        for (var level = Volatile.Read(ref _height) - 1; level >= 0; level--)
        {
            for (after = x.Next(level); after is not null; after = x.Next(level))
            {
                var c = _comparer.Compare(after.Key, key);
                if (c > 0 || (c == 0 && !orEqual))
                {
                    break;
                }

                x = after;
            }
        }

        return x;
    }

    private SkipListNode<TKey, TValue> NewNode(TKey key, int height) =>
        _tracked ? new TrackedSkipListNode<TKey, TValue>(key, height) : new SkipListNode<TKey, TValue>(key, height);

    private int RandomHeight()
    {
        // xorshift64*: cheap, and callers are serialized so no shared state races.
        _random ^= _random >> 12;
        _random ^= _random << 25;
        _random ^= _random >> 27;
        var bits = _random * 0x2545F4914F6CDD1DUL;

        // One level more with probability 1/4 per level.
        var height = 1;
        while (height < MaxHeight && (bits & 3) == 0)
        {
            height++;
            bits >>= 2;
        }

        return height;
    }
}

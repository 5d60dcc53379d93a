using System.Numerics;

namespace FluxMap.Storage;

/// <summary>
/// Hash index from key to skip-list node so point reads cost one probe instead of a descent.
/// Open addressing with linear probing; one writer at a time (the commit path), any number of
/// lock-free readers. Growth publishes a fully built table, so a reader on the old table still
/// sees every key that was there when it looked. A removed key leaves a marker rather than
/// shifting its neighbours back, so a reader probing past the slot never misses a key.
/// </summary>
internal sealed class KeyIndex<TKey, TValue>
{
    private const int InitialCapacity = 16;

    private static readonly SkipListNode<TKey, TValue> Removed = new(default!, 1);

    private readonly IEqualityComparer<TKey> _equality;
    private SkipListNode<TKey, TValue>?[] _slots = new SkipListNode<TKey, TValue>?[InitialCapacity];
    private int _count;

    // Slots that hold a key or a removal marker: what decides how long probes get.
    private int _used;

    internal KeyIndex(IEqualityComparer<TKey> equality) => _equality = equality;

    internal int Count => _count;

    internal SkipListNode<TKey, TValue>? Find(TKey key)
    {
        var slots = Volatile.Read(ref _slots);
        var mask = slots.Length - 1;
        for (var i = SlotOf(key, slots.Length); ; i = (i + 1) & mask)
        {
            var node = Volatile.Read(ref slots[i]);
            if (node is null || (!ReferenceEquals(node, Removed) && _equality.Equals(node.Key, key)))
            {
                return node;
            }
        }
    }

    internal void Remove(SkipListNode<TKey, TValue> node)
    {
        var mask = _slots.Length - 1;
        for (var i = SlotOf(node.Key, _slots.Length); _slots[i] is { } occupant; i = (i + 1) & mask)
        {
            if (ReferenceEquals(occupant, node))
            {
                Volatile.Write(ref _slots[i], Removed);
                _count--;
                return;
            }
        }
    }

    /// <summary>Grows the table once for <paramref name="keys"/> keys in all, so adding them rebuilds nothing on the way.</summary>
    internal void Reserve(int keys)
    {
        var length = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(InitialCapacity, (keys * 5L / 3) + 1));
        if (length > _slots.Length)
        {
            Rebuild(length);
        }
    }

    internal void Add(SkipListNode<TKey, TValue> node)
    {
        // Keep the load at or below 0.6: probes stay short and misses end quickly. Rebuilding
        // drops removal markers; a table mostly of markers is rebuilt at the same size.
        if ((_used + 1) * 5L > _slots.Length * 3L)
        {
            Rebuild((_count + 1) * 5L > _slots.Length * 3L / 2 ? _slots.Length * 2 : _slots.Length);
        }

        Place(_slots, node);
        _count++;
        _used++;
    }

    private void Rebuild(int length)
    {
        var rebuilt = new SkipListNode<TKey, TValue>?[length];
        foreach (var existing in _slots)
        {
            if (existing is not null && !ReferenceEquals(existing, Removed))
            {
                Place(rebuilt, existing);
            }
        }

        Volatile.Write(ref _slots, rebuilt);
        _used = _count;
    }

    private void Place(SkipListNode<TKey, TValue>?[] slots, SkipListNode<TKey, TValue> node)
    {
        var mask = slots.Length - 1;
        var i = SlotOf(node.Key, slots.Length);
        while (slots[i] is not null)
        {
            i = (i + 1) & mask;
        }

        Volatile.Write(ref slots[i], node);
    }

    // Fibonacci hashing spreads weak hash codes (small integers, sequential ids) over the table.
    private int SlotOf(TKey key, int length) =>
        (int)(((uint)_equality.GetHashCode(key!) * 0x9E3779B9u) >> (32 - BitOperations.Log2((uint)length)));
}

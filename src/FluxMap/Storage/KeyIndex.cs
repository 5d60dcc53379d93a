using System.Numerics;

namespace FluxMap.Storage;

/// <summary>
/// Hash index from key to skip-list node so point reads cost one probe instead of a descent.
/// Open addressing with linear probing; one writer at a time (the commit path), any number of
/// lock-free readers. Growth publishes a fully built table, so a reader on the old table still
/// sees every key that was there when it looked.
/// </summary>
internal sealed class KeyIndex<TKey, TValue>
{
    private const int InitialCapacity = 16;

    private readonly IEqualityComparer<TKey> _equality;
    private SkipListNode<TKey, TValue>?[] _slots = new SkipListNode<TKey, TValue>?[InitialCapacity];
    private int _count;

    internal KeyIndex(IEqualityComparer<TKey> equality) => _equality = equality;

    internal int Count => _count;

    internal SkipListNode<TKey, TValue>? Find(TKey key)
    {
        var slots = Volatile.Read(ref _slots);
        var mask = slots.Length - 1;
        for (var i = SlotOf(key, slots.Length); ; i = (i + 1) & mask)
        {
            var node = Volatile.Read(ref slots[i]);
            if (node is null || _equality.Equals(node.Key, key))
            {
                return node;
            }
        }
    }

    internal void Add(SkipListNode<TKey, TValue> node)
    {
        // Keep the load at or below 0.6: probes stay short and misses end quickly.
        if ((_count + 1) * 5L > _slots.Length * 3L)
        {
            var grown = new SkipListNode<TKey, TValue>?[_slots.Length * 2];
            foreach (var existing in _slots)
            {
                if (existing is not null)
                {
                    Place(grown, existing);
                }
            }

            Volatile.Write(ref _slots, grown);
        }

        Place(_slots, node);
        _count++;
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

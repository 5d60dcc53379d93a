using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Walks a range in a transaction's view: the shared store at the snapshot merged with the
/// transaction's own pending writes, which win on equal keys and hide deleted keys. The workspace
/// is searched afresh at each step so writes made while the scan runs are seen when the scan
/// reaches them.
/// </summary>
internal sealed class ScanCursor<TKey, TValue>
    where TKey : notnull
{
    private readonly FluxTransaction<TKey, TValue> _owner;
    private readonly VersionedSkipList<TKey, TValue> _store;
    private readonly IComparer<TKey> _comparer;
    private readonly KeyRange<TKey> _range;
    private readonly bool _forward;
    private SkipListNode<TKey, TValue>? _shared;
    private TKey _position = default!;
    private bool _started;

    internal ScanCursor(FluxTransaction<TKey, TValue> owner, VersionedSkipList<TKey, TValue> store, IComparer<TKey> comparer, KeyRange<TKey> range, ScanDirection direction)
    {
        _owner = owner;
        _store = store;
        _comparer = comparer;
        _range = range;
        _forward = direction == ScanDirection.Forward;
        _shared = Start(store);
    }

    /// <summary>Gets the pair stepped to; its value is not read yet when <see cref="Unloaded"/> is set.</summary>
    internal KeyValuePair<TKey, TValue> Current { get; private set; }

    /// <summary>Gets, when the key stepped to is visible in a paged-out version, its node and that version: the scan reads the value without blocking.</summary>
    internal (SkipListNode<TKey, TValue> Node, PagedVersion<TValue> Version)? Unloaded { get; private set; }

    internal bool MoveNext()
    {
        Unloaded = null;
        while (true)
        {
            if (_shared is not null && !InRange(_shared))
            {
                _shared = null;
            }

            var own = _owner.Workspace is { } writes ? (_started ? After(writes, _position) : Start(writes)) : null;
            if (own is not null && !InRange(own))
            {
                own = null;
            }

            if (_shared is null && own is null)
            {
                return false;
            }

            var order = _shared is null ? 1 : own is null ? -1 : _comparer.Compare(_shared.Key, own.Key) * (_forward ? 1 : -1);
            _started = true;
            if (order < 0)
            {
                var node = _shared!;
                _shared = _forward ? node.Next(0) : _store.FindLast(node.Key, inclusive: false);
                _position = node.Key;
                var visible = _owner.ReadVisible(node);
                if (visible is PagedVersion<TValue> paged)
                {
                    Unloaded = (node, paged);
                    Current = default;
                    return true;
                }

                if (visible is not null)
                {
                    Current = _owner.Output(node.Key, visible.Value);
                    return true;
                }

                continue;
            }

            if (order == 0)
            {
                _shared = _forward ? _shared!.Next(0) : _store.FindLast(_shared!.Key, inclusive: false);
            }

            _position = own!.Key;
            var pending = own.Head!;
            if (!pending.IsTombstone)
            {
                Current = _owner.Output(own.Key, pending.Value);
                return true;
            }
        }
    }

    private SkipListNode<TKey, TValue>? Start(VersionedSkipList<TKey, TValue> list) => _forward
        ? (_range.HasLower ? list.FindFirst(_range.Lower!, _range.LowerInclusive) : list.First)
        : (_range.HasUpper ? list.FindLast(_range.Upper!, _range.UpperInclusive) : list.Last());

    private SkipListNode<TKey, TValue>? After(VersionedSkipList<TKey, TValue> list, TKey key) =>
        _forward ? list.FindFirst(key, inclusive: false) : list.FindLast(key, inclusive: false);

    private bool InRange(SkipListNode<TKey, TValue> node) =>
        _forward ? _range.IsBelowUpper(node.Key, _comparer) : _range.IsAboveLower(node.Key, _comparer);
}

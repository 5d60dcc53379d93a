using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// An open scan: its view, where it stands in the range, and what it has traced. In a transaction
/// the view is the shared store at its snapshot merged with its own pending writes, which win on
/// equal keys and hide deleted keys; the workspace is searched afresh at each step so writes made
/// while the scan runs are seen when the scan reaches them. A handle scan on a safe snapshot only
/// pins that snapshot (see <see cref="TransactionManager{TKey, TValue}.BeginScan"/>); on any other
/// it begins a read-only transaction of its own, committed when the range is done.
/// </summary>
internal sealed class ScanCursor<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private readonly FluxEngine<TKey, TValue> _engine;

    // One scan's state, all of it set by Start and its references cleared by Dispose: a cursor
    // serves scan after scan (see FluxEngine.ScanCursors) and must carry nothing from one to the next.
    private KeyRange<TKey> _range;
    private bool _forward;
    private CancellationToken _token;
    private CancellationTokenSource? _linked;
    private FluxTransaction<TKey, TValue>? _view;
    private bool _owned;
    private bool _pinned;
    private bool _opened;
    private long _snapshot;
    private long _expiryClock;
    private RangeTrace<TKey>? _trace;
    private SkipListNode<TKey, TValue>? _shared;
    private TKey _position = default!;
    private bool _started;
    private bool _returned;
    private TKey _last = default!;
    private bool _completed;
    private (SkipListNode<TKey, TValue> Node, PagedVersion<TValue> Version) _unloaded;

    /// <param name="engine">The database scanned.</param>
    internal ScanCursor(FluxEngine<TKey, TValue> engine) => _engine = engine;

    /// <summary>Gets the pair the last successful step returned.</summary>
    internal KeyValuePair<TKey, TValue> Current { get; private set; }

    /// <summary>Gets a value indicating whether <see cref="OpenAsync"/> has completed.</summary>
    internal bool IsOpen => _opened;

    /// <summary>Sets the cursor up for a scan; nothing is read until <see cref="OpenAsync"/>.</summary>
    /// <param name="transaction">The transaction whose view is scanned; null for a handle scan, which begins its own at <see cref="OpenAsync"/>.</param>
    /// <param name="range">The keys to visit.</param>
    /// <param name="direction">Ascending or descending.</param>
    /// <param name="linked">The source of <paramref name="cancellationToken"/> when the cursor must dispose it; else null.</param>
    /// <param name="cancellationToken">Cancels the scan at its next step.</param>
    internal void Start(FluxTransaction<TKey, TValue>? transaction, KeyRange<TKey> range, ScanDirection direction, CancellationTokenSource? linked, CancellationToken cancellationToken)
    {
        _range = range;
        _forward = direction == ScanDirection.Forward;
        _token = cancellationToken;
        _linked = linked;
        _view = transaction;
        _owned = _pinned = _opened = _started = _returned = _completed = false;
        _snapshot = _expiryClock = 0;
        _trace = null;
        _shared = null;
        _position = _last = default!;
        _unloaded = default;
        Current = default;
    }

    /// <summary>Begins the view of a handle scan, then traces the range before reading any of it.</summary>
    /// <returns>A task that completes at once unless a deferrable transaction waits for its safe snapshot.</returns>
    internal ValueTask OpenAsync()
    {
        if (_view is null)
        {
            _engine.ThrowIfDisposed();
            _token.ThrowIfCancellationRequested();
            if (_engine.Transactions.BeginScan(out _snapshot, out _expiryClock) is not { } record)
            {
                _pinned = true;
                Opened(null);
                return default;
            }

            _view = new FluxTransaction<TKey, TValue>(_engine, record);
            _owned = true;
        }

        var traced = _view.OpenScanAsync(_range, _token);
        if (!traced.IsCompletedSuccessfully)
        {
            return OpenWhenTracedAsync(traced);
        }

        Opened(traced.Result);
        return default;
    }

    /// <summary>Steps to the next pair the view holds.</summary>
    /// <returns>
    /// <see cref="ScanStep.Found"/> with <see cref="Current"/> set; <see cref="ScanStep.Unloaded"/>
    /// when the next key's value is paged out (<see cref="LoadAsync"/> reads it); or
    /// <see cref="ScanStep.End"/> past the range.
    /// </returns>
    internal ScanStep Step()
    {
        if (_view is { } view)
        {
            return view.Step(this, _token);
        }

        _engine.ThrowIfDisposed();
        _token.ThrowIfCancellationRequested();
        return MoveNext(null);
    }

    /// <summary>Reads the paged-out value <see cref="Step"/> stopped at.</summary>
    /// <returns>Whether the key holds a value at the snapshot after all; if so <see cref="Current"/> is set.</returns>
    internal async ValueTask<bool> LoadAsync()
    {
        var (node, paged) = _unloaded;
        _unloaded = default;
        var (version, value) = await LoadVisibleAsync(node, paged).ConfigureAwait(false);
        if (version is null)
        {
            return false;
        }

        // Read back from the data file, or copied when it was in memory after all: only the key needs a copy.
        Returned(node.Key, new(_engine.Keys.Own(node.Key), value));
        return true;
    }

    /// <summary>The range is done: a handle scan commits its transaction.</summary>
    /// <returns>A task that completes when the commit is acknowledged.</returns>
    internal ValueTask CompleteAsync()
    {
        _completed = true;
        return _owned ? _view!.CommitAsync(_token) : default;
    }

    /// <summary>
    /// Ends the scan: one stopped early depends only on the keys up to the last one it returned,
    /// and a handle scan's transaction ends (rolled back unless <see cref="CompleteAsync"/> committed
    /// it) or its pin is released. Then the cursor lets go of everything the scan held.
    /// </summary>
    public void Dispose()
    {
        if (_pinned)
        {
            _pinned = false;
            _engine.Transactions.Unpin(_snapshot);
        }

        if (_view is { } view)
        {
            // Narrowed from the trace's own copy of the range: the caller may reuse its bound arrays.
            if (!_completed && _trace is { Range: var traced })
            {
                view.NarrowScan(_trace, _returned ? (_forward ? traced.EndingAt(_last) : traced.StartingAt(_last)) : null);
            }

            if (_owned)
            {
                view.Close();
            }
        }

        _linked?.Dispose();
        Start(null, default, ScanDirection.Forward, null, default);
    }

    /// <summary>One step in the view of <paramref name="transaction"/>, which the caller has entered; null for the pinned snapshot.</summary>
    internal ScanStep MoveNext(FluxTransaction<TKey, TValue>? transaction)
    {
        var store = _engine.Store;
        var comparer = _engine.Keys.Comparer;
        StagedWrite<TKey, TValue> own = default;
        while (true)
        {
            if (_shared is not null && !InRange(_shared.Key, comparer))
            {
                _shared = null;
            }

            var hasOwn = transaction?.Workspace is { } writes && (_started ? After(writes, _position, out own) : First(writes, out own)) && InRange(own.Key, comparer);
            if (_shared is null && !hasOwn)
            {
                return ScanStep.End;
            }

            var order = _shared is null ? 1 : !hasOwn ? -1 : comparer.Compare(_shared.Key, own.Key) * (_forward ? 1 : -1);
            _started = true;
            if (order < 0)
            {
                var node = _shared!;
                _shared = _forward ? node.Next(0) : store.FindLast(node.Key, inclusive: false);
                _position = node.Key;
                TValue value;
                var visible = transaction is null ? ReadPinned(node, out value) : transaction.ReadVisible(node, out value);
                if (visible is PagedVersion<TValue> paged)
                {
                    _unloaded = (node, paged);
                    return ScanStep.Unloaded;
                }

                if (visible is not null)
                {
                    Returned(node.Key, Output(node.Key, value));
                    return ScanStep.Found;
                }

                continue;
            }

            if (order == 0)
            {
                _shared = _forward ? _shared!.Next(0) : store.FindLast(_shared!.Key, inclusive: false);
            }

            _position = own.Key;
            if (!own.IsTombstone)
            {
                Returned(own.Key, Output(own.Key, own.Value));
                return ScanStep.Found;
            }
        }
    }

    private async ValueTask OpenWhenTracedAsync(ValueTask<RangeTrace<TKey>?> traced) => Opened(await traced.ConfigureAwait(false));

    private ValueTask<(VersionEntry<TValue>? Version, TValue Value)> LoadVisibleAsync(SkipListNode<TKey, TValue> node, PagedVersion<TValue> paged) =>
        _view is { } view
            ? view.LoadScannedAsync(node, paged, _token)
            : _engine.LoadAsync(paged, (Cursor: this, Node: node), static s => s.Cursor.ReadPinned(s.Node, out _), _token);

    // The pinned snapshot needs no SSI tracking: only its own visibility and expiry.
    private VersionEntry<TValue>? ReadPinned(SkipListNode<TKey, TValue> node, out TValue value)
    {
        var version = node.Read(_snapshot, out value);
        return version is not null && version.IsLiveAt(_expiryClock) ? version : null;
    }

    private void Opened(RangeTrace<TKey>? trace)
    {
        _trace = trace;
        _shared = First(_engine.Store);
        _opened = true;
    }

    // The trace is narrowed to the stored key, not to the copy the caller may change.
    private void Returned(TKey stored, KeyValuePair<TKey, TValue> pair)
    {
        Current = pair;
        _last = stored;
        _returned = true;
    }

    // What the caller receives: copies of a mutable key and value, so changing them changes nothing stored.
    private KeyValuePair<TKey, TValue> Output(TKey key, TValue value) => new(_engine.Keys.Own(key), _engine.Values.Copy(value, "value"));

    private SkipListNode<TKey, TValue>? First(VersionedSkipList<TKey, TValue> list) => _forward
        ? (_range.HasLower ? list.FindFirst(_range.Lower!, _range.LowerInclusive) : list.First)
        : (_range.HasUpper ? list.FindLast(_range.Upper!, _range.UpperInclusive) : list.Last());

    private bool First(WriteSet<TKey, TValue> writes, out StagedWrite<TKey, TValue> own) => _forward
        ? (_range.HasLower ? writes.TryFindAfter(_range.Lower!, _range.LowerInclusive, out own) : writes.TryFirst(out own))
        : (_range.HasUpper ? writes.TryFindBefore(_range.Upper!, _range.UpperInclusive, out own) : writes.TryLast(out own));

    private bool After(WriteSet<TKey, TValue> writes, TKey key, out StagedWrite<TKey, TValue> own) =>
        _forward ? writes.TryFindAfter(key, inclusive: false, out own) : writes.TryFindBefore(key, inclusive: false, out own);

    private bool InRange(TKey key, IComparer<TKey> comparer) =>
        _forward ? _range.IsBelowUpper(key, comparer) : _range.IsAboveLower(key, comparer);
}

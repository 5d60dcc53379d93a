using System.Diagnostics;
using FluxMap.Diagnostics;
using FluxMap.Storage;
using FluxMap.Transactions;

namespace FluxMap;

/// <summary>
/// A serializable transaction. It reads a snapshot, sees its own writes, and publishes them all
/// at once when <see cref="CommitAsync"/> succeeds. Disposing it without committing rolls it back.
/// </summary>
/// <remarks>
/// A transaction is one flow of work: await each call before starting the next. Calls that
/// overlap fail with <see cref="InvalidOperationException"/> rather than corrupting it. As in
/// PostgreSQL, what a transaction read is guaranteed serializable once it commits; a deferrable
/// read-only transaction's reads are safe as soon as they return.
/// </remarks>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed partial class FluxTransaction<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    private readonly FluxEngine<TKey, TValue> _engine;

    // Let go of at Close, when the transaction manager may hand it to another transaction: from
    // then on it is null, so a path that missed the disposed check fails instead of touching it.
    private TransactionRecord<TKey> _record;

    // Rented at the first write and handed back, emptied, when the transaction ends; only the
    // holder of the call slot touches it.
    private WriteSet<TKey, TValue>? _writes;

    // The call slot: 1 while a call runs, and for good once Close found it free.
    private int _busy;
    private int _disposed;

    internal FluxTransaction(FluxEngine<TKey, TValue> engine, TransactionRecord<TKey> record)
    {
        _engine = engine;
        _record = record;
        Id = record.Id;
        IsReadOnly = record.ReadOnly;
    }

    /// <summary>Gets the transaction's id, as named in conflict messages.</summary>
    public long Id { get; }

    /// <summary>Gets a value indicating whether the transaction was begun read-only.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Gets where the transaction is in its life.</summary>
    public TransactionStatus Status { get; private set; }

    internal WriteSet<TKey, TValue>? Workspace => _writes;

    /// <summary>The transaction manager's record of this transaction: its snapshot and, once committed, its commit timestamp. Not after disposal.</summary>
    internal TransactionRecord<TKey> Record
    {
        get
        {
            ThrowIfDisposed();
            return _record;
        }
    }

    /// <summary>The conflict that rolled this transaction back, if one did.</summary>
    internal SerializationConflictException? Conflict { get; private set; }

    /// <summary>Reads a key as this transaction sees it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>The value, or a miss.</returns>
    public ValueTask<FluxValue<TValue>> GetAsync(TKey key, CancellationToken cancellationToken = default) =>
        ReadValueAsync(
            key,
            writes: false,
            0,
            static (tx, key, _, seen) => !seen.Exists ? default
                : seen.Paged is { } paged ? new FluxValue<TValue>(tx._engine.PageIn(key, paged, seen.Value))
                : new FluxValue<TValue>(seen.Value),
            cancellationToken);

    /// <summary>Tells whether a key exists in this transaction's view.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key exists.</returns>
    public ValueTask<bool> ContainsKeyAsync(TKey key, CancellationToken cancellationToken = default) =>
        ReadAsync(key, static (tx, k) => tx.Exists(k), cancellationToken);

    /// <summary>Removes a key; it stays visible to others until the commit.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key existed in this transaction's view.</returns>
    public ValueTask<bool> RemoveAsync(TKey key, CancellationToken cancellationToken = default) =>
        ReadAsync(key, static (tx, k) => tx.Remove(k), cancellationToken);

    /// <summary>Inserts or replaces a value; it becomes visible to others at the commit.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A task that completes when the write is buffered.</returns>
    public ValueTask InsertAsync(TKey key, TValue value, CancellationToken cancellationToken = default) => Put(key, value, 0, cancellationToken);

    /// <summary>Inserts or replaces a value that expires <paramref name="timeToLive"/> after this call; it becomes visible to others at the commit.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="timeToLive">How long the value lives; positive.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A task that completes when the write is buffered.</returns>
    public ValueTask InsertAsync(TKey key, TValue value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        return Put(key, value, _engine.Clock.DeadlineAfter(timeToLive), cancellationToken);
    }

    /// <summary>Replaces a key's value with <paramref name="update"/> of the value this transaction sees, keeping its time-to-live; visible to others at the commit.</summary>
    /// <param name="key">The key.</param>
    /// <param name="update">Computes the new value from the current one (a miss when absent).</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>The value written.</returns>
    public ValueTask<TValue> UpdateAsync(TKey key, Func<FluxValue<TValue>, TValue> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return ReadValueAsync(key, writes: true, update, static (tx, key, update, read) => tx.Update(key, update, read), cancellationToken);
    }

    /// <summary>Reads how long a key has left to live, as this transaction sees it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A miss when the key does not exist; else the time left, or null when it never expires.</returns>
    public ValueTask<FluxValue<TimeSpan?>> GetTimeToLiveAsync(TKey key, CancellationToken cancellationToken = default) =>
        ReadAsync(
            key,
            static (tx, k) => !tx.Staged(k, out var own) ? tx._engine.Clock.TimeToLiveOf(tx.ReadShared(k))
                : own.IsTombstone ? default
                : tx._engine.Clock.TimeToLive(own.ExpiresAt),
            cancellationToken);

    /// <summary>Scans keys from <paramref name="from"/> to <paramref name="to"/>, both inclusive, in ascending order.</summary>
    /// <param name="from">The lower bound.</param>
    /// <param name="to">The upper bound.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The pairs, read lazily as the caller iterates.</returns>
    public IAsyncEnumerable<KeyValuePair<TKey, TValue>> ScanRangeAsync(TKey from, TKey to, CancellationToken cancellationToken = default) =>
        ScanAsync(KeyRange<TKey>.Between(from, to), ScanDirection.Forward, cancellationToken);

    /// <summary>Scans the keys that start with <paramref name="prefix"/> (string or byte[] keys), in ascending order.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The pairs, read lazily as the caller iterates.</returns>
    public IAsyncEnumerable<KeyValuePair<TKey, TValue>> ScanPrefixAsync(TKey prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return ScanAsync(_engine.Keys.PrefixRange(prefix), ScanDirection.Forward, cancellationToken);
    }

    /// <summary>Scans a range in either direction.</summary>
    /// <param name="range">The keys to visit.</param>
    /// <param name="direction">Ascending or descending key order.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The pairs, read lazily as the caller iterates.</returns>
    public IAsyncEnumerable<KeyValuePair<TKey, TValue>> ScanAsync(KeyRange<TKey> range, ScanDirection direction = ScanDirection.Forward, CancellationToken cancellationToken = default) =>
        new ScanEnumerator<TKey, TValue>(_engine, this, _engine.CheckRange(range), direction, cancellationToken);

    /// <summary>Validates the transaction and publishes its writes atomically.</summary>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A task that completes when the commit is acknowledged: published, and in Full durability synced to disk.</returns>
    /// <exception cref="SerializationConflictException">The transaction was rolled back instead; retry it.</exception>
    /// <exception cref="FluxMapIOException">The log could not be written; the database has failed closed.</exception>
    /// <remarks>
    /// A transaction that wrote waits first, before it is validated, while the write-ahead log has
    /// reached its bound on disk and a checkpoint has yet to give room back; the database closing
    /// meanwhile ends the wait with <see cref="ObjectDisposedException"/>, and nothing is committed.
    /// </remarks>
    public ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        var admitted = _writes is { Count: > 0 } ? _engine.AdmitAsync(cancellationToken) : default;
        return admitted.IsCompletedSuccessfully ? CommitAdmitted(cancellationToken) : CommitWhenAdmittedAsync(admitted, cancellationToken);
    }

    // The log reached its bound: the commit goes ahead once a checkpoint gave room back.
    private async ValueTask CommitWhenAdmittedAsync(ValueTask admitted, CancellationToken cancellationToken)
    {
        await admitted.ConfigureAwait(false);
        await CommitAdmitted(cancellationToken).ConfigureAwait(false);
    }

    private ValueTask CommitAdmitted(CancellationToken cancellationToken)
    {
        ValueTask durable;
        Enter(cancellationToken);
        var activity = FluxActivities.Start(FluxActivities.Commit, _engine.Name);
        try
        {
            FluxActivities.Tag(activity, FluxActivities.TransactionIdTag, Id);
            FluxActivities.Tag(activity, FluxActivities.ReadOnlyTag, IsReadOnly);
            var started = _engine.Metrics.StartCommit();
            durable = _engine.Metrics.EndCommit(_engine.Transactions.Commit(_record, _writes), started);
            Status = TransactionStatus.Committed;
            RecycleWrites();
        }
        catch (Exception e)
        {
            if (e is FluxMapException or ObjectDisposedException)
            {
                Ended(e as SerializationConflictException);
            }

            FluxActivities.Failed(activity, e);
            activity?.Dispose();
            throw;
        }
        finally
        {
            Exit();
        }

        if (activity is null || durable.IsCompletedSuccessfully)
        {
            activity?.Dispose();
            return durable;
        }

        // This method is not async, so the activity it started would stay current in the caller's
        // flow; it lasts in the helper until the commit is acknowledged (in Full durability: synced).
        Activity.Current = activity.Parent;
        return Acknowledged(durable, activity);

        static async ValueTask Acknowledged(ValueTask durable, Activity activity)
        {
            try
            {
                await durable.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                FluxActivities.Failed(activity, e);
                throw;
            }
            finally
            {
                activity.Dispose();
            }
        }
    }

    /// <summary>Discards the transaction's writes.</summary>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A completed task.</returns>
    public ValueTask RollbackAsync(CancellationToken cancellationToken = default)
    {
        Enter(cancellationToken);
        try
        {
            _engine.Transactions.Abort(_record);
            Ended(null);
        }
        finally
        {
            Exit();
        }

        return default;
    }

    /// <summary>Rolls the transaction back unless it has committed.</summary>
    /// <returns>A completed task.</returns>
    /// <remarks>
    /// Disposing while one of the transaction's calls still runs is a misuse. The transaction
    /// rolls back all the same: a write still running then fails with
    /// <see cref="ObjectDisposedException"/>, and a commit still running either committed before
    /// the rollback or fails.
    /// </remarks>
    public ValueTask DisposeAsync()
    {
        Close();
        return default;
    }

    /// <summary>Ends the transaction as <see cref="DisposeAsync"/> does, for callers inside the library that cannot await.</summary>
    internal void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // A call still running (disposing in the middle of one is a misuse) holds the slot, and with
        // it the workspace and the record: Close recycles neither, so nothing the call does later
        // can land in another transaction, and only rolls the record back. It does so under the
        // commit lock: a commit running meanwhile either took the lock first and stands, or finds
        // the transaction ended and fails. A write still running fails when it sees the disposal.
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            if (_engine.Transactions.Abort(_record))
            {
                Status = TransactionStatus.RolledBack;
            }

            return;
        }

        if (Status == TransactionStatus.Active)
        {
            _engine.Transactions.Abort(_record);
            Ended(null);
        }

        _engine.Transactions.Release(_record);
        _record = null!;
    }

    /// <summary>
    /// The version of a shared node this transaction sees, noting newer versions it cannot see, and
    /// its value held in memory (default for none or for a paged-out version).
    /// </summary>
    internal VersionEntry<TValue>? ReadVisible(SkipListNode<TKey, TValue> node, out TValue value)
    {
        // A node another commit is creating has no version until that commit publishes it.
        if (_record.Trace is not null && node.Head is { } head && head.Timestamp > _record.Snapshot)
        {
            _engine.Transactions.OnStaleRead(_record, node);
            if (_record.Doom is { } doom)
            {
                throw doom;
            }
        }

        var version = node.Read(_record.Snapshot, out value);
        if (version is ExpiringVersion<TValue> expiring)
        {
            if (expiring.Deadline <= _record.ExpiryClock)
            {
                value = default!;
                return null;
            }

            if (expiring.Deadline < _record.EarliestExpiryRead)
            {
                _record.EarliestExpiryRead = expiring.Deadline;
                _record.ExpiryReadKey = node.Key;
            }

            return version;
        }

        return version is { IsTombstone: false } ? version : null;
    }

    private ValueTask<TResult> ReadAsync<TResult>(TKey key, Func<FluxTransaction<TKey, TValue>, TKey, TResult> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        Enter(cancellationToken);
        if (_record.PendingWriters is not null)
        {
            return ReadAfterSafeSnapshotAsync(key, read, cancellationToken);
        }

        try
        {
            return new(Guard(key, read));
        }
        finally
        {
            Exit();
        }
    }

    private async ValueTask<TResult> ReadAfterSafeSnapshotAsync<TResult>(TKey key, Func<FluxTransaction<TKey, TValue>, TKey, TResult> read, CancellationToken cancellationToken)
    {
        try
        {
            await WaitForSafeSnapshotAsync(cancellationToken).ConfigureAwait(false);
            return Guard(key, read);
        }
        finally
        {
            Exit();
        }
    }

    private ValueTask WaitForSafeSnapshotAsync(CancellationToken cancellationToken) =>
        _record.PendingWriters is null ? default : _engine.Transactions.WaitForSafeSnapshotAsync(_record, cancellationToken);

    // Reads a key's value in this transaction's view and hands it, with its version, to `use`: at
    // once when it is in memory; after reading the data file when it is paged out, or after the
    // wait for a safe snapshot in a deferrable transaction.
    private ValueTask<TResult> ReadValueAsync<TState, TResult>(
        TKey key, bool writes, TState state, Func<FluxTransaction<TKey, TValue>, TKey, TState, SeenValue<TValue>, TResult> use,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        Enter(cancellationToken);
        var exit = true;
        try
        {
            if (writes)
            {
                ThrowIfReadOnly();
            }

            // Its own write answers first. A deferrable transaction, which may still have to wait
            // for its safe snapshot below, is read-only and has none.
            if (Staged(key, out var own))
            {
                return new(use(this, key, state, own.IsTombstone ? default : new(true, _engine.Values.Copy(own.Value, "value"), own.ExpiresAt)));
            }

            var version = _record.PendingWriters is null ? Guard(key, static (tx, k) => tx.ReadShared(k)) : null;
            if (_record.PendingWriters is null && _engine.TryCopy(version, out var read))
            {
                return new(use(this, key, state, SeenValue<TValue>.Of(read)));
            }

            exit = false;
            return ReadValueLaterAsync(key, version, state, use, cancellationToken);
        }
        finally
        {
            if (exit)
            {
                Exit();
            }
        }
    }

    // The slow half of ReadValueAsync, which ends the call when it is done: `version` is the version
    // read (paged out, or embedded and let its value go), or null when the transaction must first
    // wait for a safe snapshot and read then.
    private async ValueTask<TResult> ReadValueLaterAsync<TState, TResult>(
        TKey key, VersionEntry<TValue>? version, TState state, Func<FluxTransaction<TKey, TValue>, TKey, TState, SeenValue<TValue>, TResult> use,
        CancellationToken cancellationToken)
    {
        try
        {
            if (version is null)
            {
                await WaitForSafeSnapshotAsync(cancellationToken).ConfigureAwait(false);
                version = Guard(key, static (tx, k) => tx.ReadShared(k));
            }

            var read = await _engine.ValueOfAsync(version, (Tx: this, Key: key), static s => s.Tx.Guard(s.Key, static (tx, k) => tx.ReadShared(k)), cancellationToken)
                .ConfigureAwait(false);
            return use(this, key, state, SeenValue<TValue>.Of(read));
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Reads a scanned key's paged-out value from the data file between steps: the version that
    /// answered (null if the key turned out to hold no value at the snapshot) and its value, which
    /// needs no copy.
    /// </summary>
    internal async ValueTask<(VersionEntry<TValue>? Version, TValue Value)> LoadScannedAsync(SkipListNode<TKey, TValue> node, PagedVersion<TValue> paged, CancellationToken cancellationToken)
    {
        Enter(cancellationToken);
        try
        {
            return await _engine.LoadAsync(paged, (Tx: this, Node: node), static s => s.Tx.Guard(s.Node, static (tx, n) => tx.ReadVisible(n, out _)), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    // The write this transaction staged for the key, if any: what it sees there instead of the shared store.
    private bool Staged(TKey key, out StagedWrite<TKey, TValue> own)
    {
        own = default;
        return _writes is { } writes && writes.TryFind(key, out own);
    }

    // Whether the key holds a value in this transaction's view.
    private bool Exists(TKey key) => Staged(key, out var own) ? !own.IsTombstone : ReadShared(key) is not null;

    // The shared store's version at this transaction's snapshot, traced as read; for a key it has not written.
    private VersionEntry<TValue>? ReadShared(TKey key)
    {
        _engine.Counters.Reads.Increment();

        // Trace first, then read: a writer committing in between either sees the trace or is seen.
        _record.Trace?.AddPoint(key);
        if (_engine.Store.Find(key) is not { } node)
        {
            return null;
        }

        node.Lru?.Touch();
        return ReadVisible(node, out _);
    }

    private TValue Update(TKey key, Func<FluxValue<TValue>, TValue> update, SeenValue<TValue> current)
    {
        var value = update(current.Exists ? new FluxValue<TValue>(current.Value) : default);
        Write(key, value, isTombstone: false, current.ExpiresAt);
        return value;
    }

    private bool Remove(TKey key)
    {
        ThrowIfReadOnly();
        var staged = Staged(key, out var own);
        var existed = staged ? !own.IsTombstone : ReadShared(key) is not null;
        if (existed || staged)
        {
            Write(key, default!, isTombstone: true);
        }

        return existed;
    }

    internal ValueTask Put(TKey key, TValue value, long expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        Stage(key, value, isTombstone: false, expiresAt, cancellationToken);
        return default;
    }

    /// <summary>Buffers a write without reading the key first: a put, or a tombstone.</summary>
    internal void Stage(TKey key, TValue value, bool isTombstone, long expiresAt, CancellationToken cancellationToken)
    {
        Enter(cancellationToken);
        try
        {
            ThrowIfReadOnly();
            Write(key, value, isTombstone, expiresAt);
        }
        finally
        {
            Exit();
        }
    }

    // The workspace keeps its own copy of a mutable key and value (the value's made first, so a value
    // that cannot be stored fails this call and leaves the workspace as it was): the key is the one
    // the commit links into the store, and a caller's later change to its array must not move it.
    private void Write(TKey key, TValue value, bool isTombstone, long expiresAt = 0)
    {
        var stored = isTombstone ? value : _engine.Values.Copy(value, nameof(value));
        (_writes ??= _engine.Workspaces.Rent() ?? new WriteSet<TKey, TValue>(_engine.Keys.Comparer)).Put(_engine.Keys.Own(key), stored, isTombstone, expiresAt);

        // Disposed while this call ran (see Close): the transaction rolled back, so the write went nowhere.
        ThrowIfDisposed();
    }

    /// <summary>Opens a scan of <paramref name="range"/>: once the snapshot is safe (deferrable), traces the whole range before any of it is read.</summary>
    /// <returns>The range's trace; null when the transaction needs none.</returns>
    internal async ValueTask<RangeTrace<TKey>?> OpenScanAsync(KeyRange<TKey> range, CancellationToken cancellationToken)
    {
        Enter(cancellationToken);
        try
        {
            await WaitForSafeSnapshotAsync(cancellationToken).ConfigureAwait(false);

            // A writer that commits into the range while the scan runs must find the dependency,
            // whichever side of the cursor it lands on.
            return _record.Trace?.AddRange(range);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Shrinks a scan's trace to what it covered (see <see cref="ReadTrace{TKey}.Narrow"/>).</summary>
    /// <remarks>
    /// Scans end outside the transaction's calls, so this takes the call slot itself. It is not free
    /// while a call runs, or for good once the transaction is disposed and its record may serve
    /// another: the trace then stays wider than the scan went, which can only cost a needless abort.
    /// </remarks>
    internal void NarrowScan(RangeTrace<TKey> trace, KeyRange<TKey>? covered)
    {
        if (Interlocked.Exchange(ref _busy, 1) == 0)
        {
            try
            {
                _record.Trace?.Narrow(trace, covered);
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>One step of a scan in this transaction's view.</summary>
    internal ScanStep Step(ScanCursor<TKey, TValue> cursor, CancellationToken cancellationToken)
    {
        Enter(cancellationToken);
        try
        {
            return Guard(cursor, static (tx, c) => c.MoveNext(tx));
        }
        finally
        {
            Exit();
        }
    }

    // Runs a step; a serialization conflict found on the way rolls the transaction back.
    private TResult Guard<TState, TResult>(TState state, Func<FluxTransaction<TKey, TValue>, TState, TResult> step)
    {
        try
        {
            return step(this, state);
        }
        catch (SerializationConflictException conflict)
        {
            _engine.Transactions.Abort(_record);
            Ended(conflict);
            throw;
        }
    }

    private void Enter(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        _engine.ThrowIfDisposed();
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException(
                $"Transaction {Id} is already running another call. A transaction is one flow of work: await each call before starting the next.");
        }

        if (Status != TransactionStatus.Active || cancellationToken.IsCancellationRequested)
        {
            Exit();
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException(Status == TransactionStatus.Committed
                ? $"Transaction {Id} has already committed."
                : $"Transaction {Id} was rolled back{(Conflict is null ? string.Empty : " after a serialization conflict")}; begin a new one.");
        }

        if (_record.Doom is { } doom)
        {
            try
            {
                _engine.Transactions.Abort(_record);
                Ended(doom);
            }
            finally
            {
                Exit();
            }

            throw doom;
        }
    }

    private void Exit() => Volatile.Write(ref _busy, 0);

    private void ThrowIfDisposed() => Disposed.ThrowIf(Volatile.Read(ref _disposed) != 0, typeof(FluxTransaction<TKey, TValue>));

    // The transaction is done with its workspace (the caller holds the call slot, so no other call
    // of it can be using the workspace): emptied, it goes back for another transaction.
    private void RecycleWrites()
    {
        if (_writes is { } writes)
        {
            _writes = null;
            writes.Clear();
            _engine.Workspaces.Return(writes);
        }
    }

    private void Ended(SerializationConflictException? conflict)
    {
        if (conflict is not null)
        {
            _engine.Counters.CountAbort(conflict.Reason);
        }

        Status = TransactionStatus.RolledBack;
        Conflict = conflict;
        RecycleWrites();
    }

    private void ThrowIfReadOnly()
    {
        if (_record.ReadOnly)
        {
            throw new InvalidOperationException($"Transaction {Id} is read-only; begin a read-write transaction to write.");
        }
    }
}

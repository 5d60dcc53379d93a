using FluxMap.Diagnostics;
using FluxMap.Storage;
using FluxMap.Transactions;

namespace FluxMap;

/// <summary>
/// The way to use a database: autocommit reads and writes, scans, and transactions. A handle is
/// cheap and thread-safe; any number of transactions may run through one handle at once.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class FluxHandle<TKey, TValue>
    where TKey : notnull
{
    // The commit step of a transaction on this database alone (a replicated member passes its own).
    private static readonly Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask> CommitLocally = static (tx, ct) => tx.CommitAsync(ct);

    private readonly FluxEngine<TKey, TValue> _engine;

    internal FluxHandle(FluxEngine<TKey, TValue> engine) => _engine = engine;

    /// <summary>Reads the newest committed value of a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>The value, or a miss.</returns>
    public ValueTask<FluxValue<TValue>> GetAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        var version = _engine.ReadLatest(key, out var value);
        return version is PagedVersion<TValue> paged
            ? _engine.ReadPagedAsync(key, paged, cancellationToken)
            : new(version is not null ? new FluxValue<TValue>(_engine.Values.Copy(value, "value")) : default);
    }

    /// <summary>Tells whether a key exists.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key exists.</returns>
    public ValueTask<bool> ContainsKeyAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return new(_engine.ReadLatest(key, out _) is not null);
    }

    /// <summary>Inserts or replaces a value in its own transaction; any time-to-live the key had is cleared.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A task that completes when the write is acknowledged (in Full durability: synced).</returns>
    public ValueTask InsertAsync(TKey key, TValue value, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Put(key, value, 0, cancellationToken);
    }

    /// <summary>Inserts or replaces a value that expires after <paramref name="timeToLive"/>: from then on it reads as absent, and the sweeper deletes it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="timeToLive">How long the value lives, on the database's <see cref="TimeProvider"/>; positive.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A task that completes when the write is acknowledged.</returns>
    public ValueTask InsertAsync(TKey key, TValue value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Put(key, value, _engine.Clock.DeadlineAfter(timeToLive), cancellationToken);
    }

    /// <summary>Removes a key in its own transaction.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key existed.</returns>
    public ValueTask<bool> RemoveAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Update(
            key,
            0,
            static (current, _, _, _) => current is null ? SingleWrite<TValue>.None : SingleWrite<TValue>.Delete,
            static (current, _, _) => current is not null,
            readsValue: false,
            cancellationToken);
    }

    /// <summary>Gives an existing key a time-to-live, replacing any it had.</summary>
    /// <param name="key">The key.</param>
    /// <param name="timeToLive">How long the value lives from now; positive.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key existed.</returns>
    public ValueTask<bool> ExpireAsync(TKey key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Update(
            key,
            _engine.Clock.DeadlineAfter(timeToLive),
            static (current, value, _, deadline) => current is null ? SingleWrite<TValue>.None : SingleWrite<TValue>.Put(value, deadline),
            static (current, _, _) => current is not null,
            readsValue: true,
            cancellationToken);
    }

    /// <summary>Removes a key's time-to-live, so it lives until removed.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key existed and had a time-to-live.</returns>
    public ValueTask<bool> PersistAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);

        // A paged-out version never expires, so this never needs a value from the data file.
        return Update(
            key,
            0,
            static (current, value, _, _) => current is ExpiringVersion<TValue> ? SingleWrite<TValue>.Put(value, 0) : SingleWrite<TValue>.None,
            static (current, _, _) => current is ExpiringVersion<TValue>,
            readsValue: false,
            cancellationToken);
    }

    /// <summary>Reads how long a key has left to live.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A miss when the key does not exist; else the time left, or null when it never expires.</returns>
    public ValueTask<FluxValue<TimeSpan?>> GetTimeToLiveAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return new(_engine.Clock.TimeToLiveOf(_engine.ReadLatest(key, out _)));
    }

    /// <summary>Estimates the bytes a key's value holds, as the memory limit counts it (strings and byte arrays by length, primitives inline, other types by their MessagePack size, or your estimator).</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A miss when the key does not exist; else the value's estimated size in bytes.</returns>
    public ValueTask<FluxValue<long>> GetValueSizeAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        var version = _engine.ReadLatest(key, out var value);
        return version is PagedVersion<TValue> paged
            ? SizeOfPagedAsync(key, paged, cancellationToken)
            : new(version is null ? default : new FluxValue<long>(_engine.Sizer.ValueBytes(value)));
    }

    /// <summary>Replaces a key's value only if it currently equals <paramref name="expected"/> (by <see cref="EqualityComparer{T}.Default"/>); keeps its time-to-live.</summary>
    /// <param name="key">The key.</param>
    /// <param name="expected">The value the key must hold.</param>
    /// <param name="value">The new value.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the value was replaced; false when the key is absent or holds another value.</returns>
    public ValueTask<bool> CompareAndSwapAsync(TKey key, TValue expected, TValue value, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Update(
            key,
            (expected, value: _engine.Values.Copy(value, nameof(value))),
            static (current, value, _, swap) => current is not null && EqualityComparer<TValue>.Default.Equals(value, swap.expected)
                ? SingleWrite<TValue>.Put(swap.value, current.ExpiresAt)
                : SingleWrite<TValue>.None,
            static (_, _, written) => written,
            readsValue: true,
            cancellationToken);
    }

    /// <summary>Inserts a value only if the key does not exist.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the value was inserted.</returns>
    public ValueTask<bool> InsertIfAbsentAsync(TKey key, TValue value, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Update(
            key,
            _engine.Values.Copy(value, nameof(value)),
            static (current, _, _, value) => current is null ? SingleWrite<TValue>.Put(value, 0) : SingleWrite<TValue>.None,
            static (_, _, written) => written,
            readsValue: false,
            cancellationToken);
    }

    /// <summary>
    /// Replaces a key's value with <paramref name="update"/> of it, atomically: if another commit
    /// changes the key in between, <paramref name="update"/> runs again on the new value, so no
    /// update is ever lost. The time-to-live is kept.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="update">Computes the new value from the current one (a miss when absent); may run more than once, so it should have no side effects.</param>
    /// <param name="cancellationToken">Cancels the call between attempts.</param>
    /// <returns>The value written.</returns>
    public async ValueTask<TValue> UpdateAsync(TKey key, Func<FluxValue<TValue>, TValue> update, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        ArgumentNullException.ThrowIfNull(update);
        while (true)
        {
            // Read (a paged-out value from the data file) and compute outside the commit lock, then
            // write only if the version is still the one read.
            var (seen, current) = await _engine.ValueOfAsync(_engine.ReadNewest(key), (Engine: _engine, Key: key), static s => s.Engine.ReadNewest(s.Key), cancellationToken)
                .ConfigureAwait(false);
            var value = update(seen is null ? default : new FluxValue<TValue>(current));
            var stored = _engine.Values.Copy(value, nameof(value));
            await _engine.AdmitAsync(cancellationToken).ConfigureAwait(false);
            var (_, _, written, durable, _) = _engine.Transactions.UpdateSingle(
                key,
                (seen, stored),
                static (current, _, _, attempt) => ReferenceEquals(current, attempt.seen)
                    ? SingleWrite<TValue>.Put(attempt.stored, current?.ExpiresAt ?? 0)
                    : SingleWrite<TValue>.None);
            if (written)
            {
                await durable.ConfigureAwait(false);
                return value;
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Scans keys from <paramref name="from"/> to <paramref name="to"/>, both inclusive, on one snapshot.</summary>
    /// <param name="from">The lower bound.</param>
    /// <param name="to">The upper bound.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The pairs, read lazily as the caller iterates.</returns>
    public IAsyncEnumerable<KeyValuePair<TKey, TValue>> ScanRangeAsync(TKey from, TKey to, CancellationToken cancellationToken = default) =>
        ScanAsync(KeyRange<TKey>.Between(from, to), ScanDirection.Forward, cancellationToken);

    /// <summary>Scans the keys that start with <paramref name="prefix"/> (string or byte[] keys) on one snapshot.</summary>
    /// <param name="prefix">The prefix.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The pairs, read lazily as the caller iterates.</returns>
    public IAsyncEnumerable<KeyValuePair<TKey, TValue>> ScanPrefixAsync(TKey prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return ScanAsync(_engine.Keys.PrefixRange(prefix), ScanDirection.Forward, cancellationToken);
    }

    /// <summary>
    /// Scans a range on one snapshot, as a read-only transaction that commits when the scan
    /// completes. In the rare read-only anomaly the scan throws
    /// <see cref="SerializationConflictException"/>; a deferrable read-only transaction never does.
    /// </summary>
    /// <param name="range">The keys to visit.</param>
    /// <param name="direction">Ascending or descending key order.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The pairs, read lazily as the caller iterates.</returns>
    public IAsyncEnumerable<KeyValuePair<TKey, TValue>> ScanAsync(KeyRange<TKey> range, ScanDirection direction = ScanDirection.Forward, CancellationToken cancellationToken = default)
    {
        _engine.ThrowIfDisposed();
        return new ScanEnumerator<TKey, TValue>(_engine, null, _engine.CheckRange(range), direction, cancellationToken);
    }

    /// <summary>Begins a read-write transaction.</summary>
    /// <returns>The transaction; dispose it, and commit it to keep its writes.</returns>
    public FluxTransaction<TKey, TValue> BeginTransaction() => BeginTransaction(null);

    /// <summary>Begins a transaction.</summary>
    /// <param name="options">Read-only or deferrable; null for read-write.</param>
    /// <returns>The transaction; dispose it, and commit it to keep its writes.</returns>
    public FluxTransaction<TKey, TValue> BeginTransaction(TransactionOptions? options)
    {
        _engine.ThrowIfDisposed();
        var readOnly = options?.ReadOnly ?? false;
        var deferrable = options?.Deferrable ?? false;
        if (deferrable && !readOnly)
        {
            throw new ArgumentException("Deferrable applies only to read-only transactions; set ReadOnly as well.", nameof(options));
        }

        return new FluxTransaction<TKey, TValue>(_engine, _engine.Transactions.Begin(readOnly, deferrable));
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a read-write transaction: commits when it returns, rolls
    /// back when it throws (the exception reaches the caller unchanged), and on a serialization
    /// conflict runs it again, up to <see cref="FluxMapOptions.MaxTransactionAttempts"/> times.
    /// </summary>
    /// <typeparam name="TResult">What the body returns.</typeparam>
    /// <param name="body">The work; it may run more than once, so it should only change the database.</param>
    /// <param name="cancellationToken">Cancels the work and any wait between attempts.</param>
    /// <returns>What the committed attempt returned.</returns>
    public ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default) =>
        TransactionAsync(body, null, cancellationToken);

    /// <summary>Runs <paramref name="body"/> in a transaction with the given options, as <see cref="TransactionAsync{TResult}(Func{FluxTransaction{TKey, TValue}, CancellationToken, ValueTask{TResult}}, CancellationToken)"/>.</summary>
    /// <typeparam name="TResult">What the body returns.</typeparam>
    /// <param name="body">The work; it may run more than once.</param>
    /// <param name="options">Read-only or deferrable; null for read-write.</param>
    /// <param name="cancellationToken">Cancels the work and any wait between attempts.</param>
    /// <returns>What the committed attempt returned.</returns>
    public ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body, TransactionOptions? options, CancellationToken cancellationToken = default) =>
        TransactionAsync(body, options, CommitLocally, cancellationToken);

    /// <summary>
    /// The retry loop of <see cref="TransactionAsync{TResult}(Func{FluxTransaction{TKey, TValue}, CancellationToken, ValueTask{TResult}}, TransactionOptions?, CancellationToken)"/>
    /// with the commit step given: a replicated member commits locally or has another member validate and commit.
    /// </summary>
    internal ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body,
        TransactionOptions? options,
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask> commit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return TransactionAsync(body, static (body, tx, ct) => body(tx, ct), options, commit, cancellationToken);
    }

    // The retry loop itself, with the body's state passed in: a caller that adapts a body needs no closure per call.
    private async ValueTask<TResult> TransactionAsync<TState, TResult>(
        TState state,
        Func<TState, FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body,
        TransactionOptions? options,
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask> commit,
        CancellationToken cancellationToken)
    {
        using var activity = FluxActivities.Start(FluxActivities.Transaction, _engine.Name);
        FluxActivities.Tag(activity, FluxActivities.ReadOnlyTag, options?.ReadOnly ?? false);
        var attempt = 0;
        try
        {
            while (true)
            {
                attempt++;
                var collidedWith = 0L;
                cancellationToken.ThrowIfCancellationRequested();
                var tx = BeginTransaction(options);
                FluxActivities.Began(activity, attempt, tx.Id);
                try
                {
                    var result = await body(state, tx, cancellationToken).ConfigureAwait(false);
                    if (tx.Conflict is { } swallowed)
                    {
                        // The body caught the conflict itself; its work was rolled back all the same.
                        throw swallowed;
                    }

                    if (tx.Status == TransactionStatus.Active)
                    {
                        await commit(tx, cancellationToken).ConfigureAwait(false);
                    }

                    FluxActivities.Tag(activity, FluxActivities.AttemptsTag, attempt);
                    return result;
                }
                catch (SerializationConflictException e) when (attempt < _engine.Retry.MaxAttempts)
                {
                    Interlocked.Increment(ref _engine.Counters.Retries);
                    FluxActivities.Conflicted(activity, attempt, e);
                    collidedWith = e.ConflictingCommit;
                }
                finally
                {
                    await tx.DisposeAsync().ConfigureAwait(false);
                }

                // In Full durability the commit that won may not be visible yet (it waits for its sync);
                // a retry whose snapshot misses it would only collide with it again.
                if (collidedWith > Volatile.Read(ref _engine.Clock.VisibleRef))
                {
                    await _engine.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                await _engine.Retry.DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (activity is not null)
        {
            if (e is SerializationConflictException conflict)
            {
                FluxActivities.Conflicted(activity, attempt, conflict);
            }

            FluxActivities.Tag(activity, FluxActivities.AttemptsTag, attempt);
            FluxActivities.Failed(activity, e);
            throw;
        }
    }

    /// <summary>Runs <paramref name="body"/> in a read-write transaction; see <see cref="TransactionAsync{TResult}(Func{FluxTransaction{TKey, TValue}, CancellationToken, ValueTask{TResult}}, CancellationToken)"/>.</summary>
    /// <param name="body">The work; it may run more than once.</param>
    /// <param name="cancellationToken">Cancels the work and any wait between attempts.</param>
    /// <returns>A task that completes when an attempt has committed.</returns>
    public ValueTask TransactionAsync(Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask> body, CancellationToken cancellationToken = default) =>
        TransactionAsync(body, null, cancellationToken);

    /// <summary>Runs <paramref name="body"/> in a transaction with the given options.</summary>
    /// <param name="body">The work; it may run more than once.</param>
    /// <param name="options">Read-only or deferrable; null for read-write.</param>
    /// <param name="cancellationToken">Cancels the work and any wait between attempts.</param>
    /// <returns>A task that completes when an attempt has committed.</returns>
    public async ValueTask TransactionAsync(Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask> body, TransactionOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        await TransactionAsync(
            body,
            static async (body, tx, ct) =>
            {
                await body(tx, ct).ConfigureAwait(false);
                return true;
            },
            options,
            CommitLocally,
            cancellationToken).ConfigureAwait(false);
    }

    internal FluxEngine<TKey, TValue> Engine => _engine;

    /// <summary>
    /// Runs a single-key read-modify-write and answers from what it saw (the version and its value)
    /// and whether it wrote, once that may be acknowledged. An update that <paramref name="readsValue"/>
    /// of a key paged out to the data file waits for the value to be read back first, outside the commit lock.
    /// </summary>
    internal ValueTask<TResult> Update<TState, TResult>(
        TKey key, TState state, SingleUpdate<TValue, TState> update, Func<VersionEntry<TValue>?, TValue, bool, TResult> answer, bool readsValue, CancellationToken cancellationToken)
    {
        var admitted = _engine.AdmitAsync(cancellationToken);
        if (!admitted.IsCompletedSuccessfully)
        {
            return UpdateWhenAdmittedAsync(admitted, key, state, update, answer, readsValue, cancellationToken);
        }

        var started = _engine.Metrics.StartCommit();
        var done = _engine.Transactions.UpdateSingle(key, state, update, readsValue ? SingleRead<TValue>.Unloaded : SingleRead<TValue>.Blind);
        return done.Unloaded is { } paged ? UpdatePagedAsync(key, state, update, answer, paged, started, cancellationToken) : Answer(done, answer, started);
    }

    // The log reached its bound: the update runs once a checkpoint gave room back.
    private async ValueTask<TResult> UpdateWhenAdmittedAsync<TState, TResult>(
        ValueTask admitted, TKey key, TState state, SingleUpdate<TValue, TState> update, Func<VersionEntry<TValue>?, TValue, bool, TResult> answer, bool readsValue, CancellationToken cancellationToken)
    {
        await admitted.ConfigureAwait(false);
        return await Update(key, state, update, answer, readsValue, cancellationToken).ConfigureAwait(false);
    }

    // Loads the paged-out version, then runs the update with its value; if another commit replaced
    // that version in between, the update finds the new one at the commit point and it is loaded in turn.
    private async ValueTask<TResult> UpdatePagedAsync<TState, TResult>(
        TKey key, TState state, SingleUpdate<TValue, TState> update, Func<VersionEntry<TValue>?, TValue, bool, TResult> answer, PagedVersion<TValue> paged, long started,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var (version, value) = await _engine.LoadAsync(paged, (Engine: _engine, Key: key), static s => s.Engine.ReadNewest(s.Key), cancellationToken).ConfigureAwait(false);
            var done = _engine.Transactions.UpdateSingle(key, state, update, version is PagedVersion<TValue> loaded ? SingleRead<TValue>.From(loaded, value) : SingleRead<TValue>.Unloaded);
            if (done.Unloaded is null)
            {
                return await Answer(done, answer, started).ConfigureAwait(false);
            }

            paged = done.Unloaded;
        }
    }

    private ValueTask<TResult> Answer<TResult>(SingleResult<TValue> done, Func<VersionEntry<TValue>?, TValue, bool, TResult> answer, long started)
    {
        var result = answer(done.Current, done.Value, done.Written);
        var acknowledged = done.Written ? _engine.Metrics.EndCommit(done.Durable, started) : done.Durable;
        return acknowledged.IsCompletedSuccessfully ? new(result) : AwaitDurable(acknowledged, result);

        static async ValueTask<TResult> AwaitDurable(ValueTask durable, TResult result)
        {
            await durable.ConfigureAwait(false);
            return result;
        }
    }

    private ValueTask Put(TKey key, TValue value, long expiresAt, CancellationToken cancellationToken)
    {
        var admitted = _engine.AdmitAsync(cancellationToken);
        return admitted.IsCompletedSuccessfully ? PutAdmitted(key, value, expiresAt) : PutWhenAdmittedAsync(admitted, key, value, expiresAt);
    }

    // The log reached its bound: the write goes ahead once a checkpoint gave room back.
    private async ValueTask PutWhenAdmittedAsync(ValueTask admitted, TKey key, TValue value, long expiresAt)
    {
        await admitted.ConfigureAwait(false);
        await PutAdmitted(key, value, expiresAt).ConfigureAwait(false);
    }

    private ValueTask PutAdmitted(TKey key, TValue value, long expiresAt)
    {
        // Encoded and copied here, outside the commit lock: a value that cannot be stored fails this call alone.
        var valueBytes = default(Range);
        var payload = _engine.Codec?.EncodeSingle(key, value, isDelete: false, expiresAt, out valueBytes);
        var stored = _engine.Values.Copy(value, nameof(value), payload.AsMemory()[valueBytes]);
        var started = _engine.Metrics.StartCommit();
        var durable = _engine.Transactions.UpdateSingle(
            key, (stored, expiresAt, payload), static (_, _, _, put) => SingleWrite<TValue>.Put(put.stored, put.expiresAt, put.payload)).Durable;
        return _engine.Metrics.EndCommit(durable, started);
    }

    private async ValueTask<FluxValue<long>> SizeOfPagedAsync(TKey key, PagedVersion<TValue> paged, CancellationToken cancellationToken)
    {
        var (version, value) = await _engine.LoadAsync(paged, (Engine: _engine, Key: key), static s => s.Engine.ReadLatest(s.Key, out _), cancellationToken).ConfigureAwait(false);
        return version is null ? default : new FluxValue<long>(_engine.Sizer.ValueBytes(value));
    }

    private void Check(TKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        _engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
    }
}

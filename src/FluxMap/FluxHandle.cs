using System.Runtime.CompilerServices;

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
    private static readonly TransactionOptions ReadOnlyScan = new() { ReadOnly = true };

    private readonly FluxEngine<TKey, TValue> _engine;

    internal FluxHandle(FluxEngine<TKey, TValue> engine) => _engine = engine;

    /// <summary>Reads the newest committed value of a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>The value, or a miss.</returns>
    public ValueTask<FluxValue<TValue>> GetAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return new(_engine.ReadLatest(key) is { } version ? new FluxValue<TValue>(version.Value) : default);
    }

    /// <summary>Tells whether a key exists.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key exists.</returns>
    public ValueTask<bool> ContainsKeyAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return new(_engine.ReadLatest(key) is not null);
    }

    /// <summary>Inserts or replaces a value in its own transaction.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>A task that completes when the write is acknowledged (in Full durability: synced).</returns>
    public ValueTask InsertAsync(TKey key, TValue value, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        var started = _engine.Metrics.StartCommit();
        return _engine.Metrics.EndCommit(_engine.Transactions.CommitSingle(_engine.Keys.Own(key), value, isDelete: false).Durable, started);
    }

    /// <summary>Removes a key in its own transaction.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>Whether the key existed.</returns>
    public ValueTask<bool> RemoveAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        var (removed, durable) = _engine.Transactions.CommitSingle(key, default!, isDelete: true);
        return durable.IsCompletedSuccessfully ? new(removed) : AwaitDurable(durable, removed);

        static async ValueTask<bool> AwaitDurable(ValueTask durable, bool removed)
        {
            await durable.ConfigureAwait(false);
            return removed;
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
        return ScanInTransactionAsync(_engine.CheckRange(range), direction, cancellationToken);
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
    public async ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body, TransactionOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tx = BeginTransaction(options);
            try
            {
                var result = await body(tx, cancellationToken).ConfigureAwait(false);
                if (tx.Conflict is { } swallowed)
                {
                    // The body caught the conflict itself; its work was rolled back all the same.
                    throw swallowed;
                }

                if (tx.Status == TransactionStatus.Active)
                {
                    await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                return result;
            }
            catch (SerializationConflictException) when (attempt < _engine.Retry.MaxAttempts)
            {
                Interlocked.Increment(ref _engine.Counters.Retries);
            }
            finally
            {
                await tx.DisposeAsync().ConfigureAwait(false);
            }

            await _engine.Retry.DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
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
            async (tx, ct) =>
            {
                await body(tx, ct).ConfigureAwait(false);
                return true;
            },
            options,
            cancellationToken).ConfigureAwait(false);
    }

    private async IAsyncEnumerable<KeyValuePair<TKey, TValue>> ScanInTransactionAsync(
        KeyRange<TKey> range, ScanDirection direction, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tx = BeginTransaction(ReadOnlyScan);
        await using (tx.ConfigureAwait(false))
        {
            await foreach (var pair in tx.ScanCoreAsync(range, direction, cancellationToken).ConfigureAwait(false))
            {
                yield return pair;
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Check(TKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        _engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
    }
}

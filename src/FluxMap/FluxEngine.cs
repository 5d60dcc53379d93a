using FluxMap.Durability;
using FluxMap.Storage;
using FluxMap.Transactions;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FluxMap;

/// <summary>The parts one open database is made of, shared by its handles and transactions.</summary>
internal sealed class FluxEngine<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    private WalWriter<TKey, TValue>? _wal;
    private IDisposable? _directoryLock;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _disposed;
    private int _closing;

    private FluxEngine(FluxMapOptions options, KeyOrdering<TKey> keys, TimeProvider timeProvider)
    {
        Keys = keys;
        Store = new VersionedSkipList<TKey, TValue>(keys, indexed: true);
        Transactions = new TransactionManager<TKey, TValue>(Store, keys, options.MaxRetainedTransactions);
        Retry = new RetryPolicy(options, timeProvider);
    }

    internal KeyOrdering<TKey> Keys { get; }

    internal VersionedSkipList<TKey, TValue> Store { get; }

    internal TransactionManager<TKey, TValue> Transactions { get; }

    internal RetryPolicy Retry { get; }

    /// <summary>Opens the engine: in durable modes takes the directory, replays the log and starts its writer.</summary>
    internal static FluxEngine<TKey, TValue> Open(
        FluxMapOptions options,
        KeyOrdering<TKey> keys,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        StorageSystem storage,
        MessagePackSerializerOptions? serializerOptions)
    {
        var engine = new FluxEngine<TKey, TValue>(options, keys, timeProvider);
        if (options.Durability == DurabilityMode.InMemory)
        {
            return engine;
        }

        var codec = new WalCodec<TKey, TValue>(serializerOptions);
        var directory = Path.GetFullPath(options.DataDirectory!);
        try
        {
            storage.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FluxMapIOException($"The data directory '{directory}' could not be created or opened: {e.Message}", e);
        }

        IDisposable directoryLock;
        try
        {
            directoryLock = storage.LockDirectory(directory);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FluxMapIOException($"The data directory '{directory}' is not writable: {e.Message}", e);
        }

        try
        {
            // The new directory's own entry must survive a power loss too.
            storage.SyncDirectory(Path.GetDirectoryName(directory) ?? directory);
            var logger = loggerFactory.CreateLogger("FluxMap.Durability");
            var (segment, lastLsn) = new WalRecovery<TKey, TValue>(storage, directory, options, codec, logger).Recover(0, engine.Replay);
            engine.Transactions.Restore(lastLsn);
            engine._wal = new WalWriter<TKey, TValue>(storage, directory, options, codec, segment, lastLsn, engine.Transactions.AdvanceVisible, timeProvider, logger);
            engine.Transactions.Log = engine._wal;
            engine._directoryLock = directoryLock;
            return engine;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            directoryLock.Dispose();
            throw new FluxMapIOException($"Reading or repairing the write-ahead log in '{directory}' failed: {e.Message}", e);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, typeof(FluxDatabase<TKey, TValue>));

    internal Task FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _wal?.FlushAsync(cancellationToken) ?? Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        // A second or concurrent call waits for the first, so the directory is free when it returns.
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            await _closed.Task.ConfigureAwait(false);
            return;
        }

        _disposed = true;
        try
        {
            Transactions.CloseLog();
            if (_wal is not null)
            {
                await _wal.DisposeAsync().ConfigureAwait(false);
            }

            _closed.TrySetResult();
        }
        catch (Exception e)
        {
            _closed.TrySetException(e);
            throw;
        }
        finally
        {
            _directoryLock?.Dispose();
        }
    }

    /// <summary>The newest version visible to a new snapshot, read without registering a transaction.</summary>
    /// <remarks>
    /// A single read outside a transaction is serializable at any commit point, so it needs no
    /// snapshot registration; the watermark is re-read per version so the answer is always the
    /// newest visible one, even if the chain changes while it is walked.
    /// </remarks>
    internal VersionEntry<TValue>? ReadLatest(TKey key)
    {
        for (var version = Store.Find(key)?.Head; version is not null; version = version.Older)
        {
            if (version.Timestamp <= Volatile.Read(ref Transactions.VisibleTimestampRef))
            {
                return version.IsTombstone ? null : version;
            }
        }

        return null;
    }

    internal KeyRange<TKey> CheckRange(KeyRange<TKey> range)
    {
        if (range.IsEmpty(Keys.Comparer))
        {
            throw new ArgumentException(
                $"The range {range} is empty: its lower bound is above its upper bound. For keys in descending order pass ScanDirection.Reverse.",
                nameof(range));
        }

        return range;
    }

    // Recovery keeps only the newest version of each key: no snapshot older than the log's end exists.
    private void Replay(long lsn, TKey key, TValue value, bool isDelete)
    {
        if (isDelete)
        {
            Store.Find(key)?.Overwrite(lsn, default!, isTombstone: true);
        }
        else
        {
            Store.GetOrAdd(key).Overwrite(lsn, value, isTombstone: false);
        }
    }
}

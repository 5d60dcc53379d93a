using FluxMap.DataFile;
using FluxMap.Diagnostics;
using FluxMap.Durability;
using FluxMap.Maintenance;
using FluxMap.Serialization;
using FluxMap.Storage;
using FluxMap.Transactions;
using Microsoft.Extensions.Logging;

namespace FluxMap;

/// <summary>The parts one open database is made of, shared by its handles and transactions.</summary>
internal sealed class FluxEngine<TKey, TValue> : IAsyncDisposable, IRecordLoader<TKey, TValue>
    where TKey : notnull
{
    private readonly CommitParts<TKey, TValue> _parts;
    private ICommitLog<TKey, TValue>? _log;
    private TransactionManager<TKey, TValue>? _transactions;
    private Vacuum<TKey, TValue>? _vacuum;
    private DataFileStore<TKey, TValue>? _dataFile;
    private CheckpointCoordinator<TKey, TValue>? _checkpoints;
    private HashSet<TKey>? _replayed;
    private long _newestLoaded;
    private DirectoryLock? _directoryLock;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Set as closing starts: commits waiting for room in the log fail then, not once the close is done.
    private readonly TaskCompletionSource _closeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _reliefGate = new();

    // The checkpoint that commits waiting for room in the log started; awaited at close.
    private Task<bool>? _relief;
    private volatile bool _disposed;
    private int _closing;

    // When the data file's rounds last checkpointed, on _clock.
    private long _lastCheckpoint;

    private readonly List<PeriodicService> _services = [];
    private readonly int _maxRetained;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _checkpointInterval;
    private readonly ILoggerFactory _loggerFactory;
    private readonly MessagePack.MessagePackSerializerOptions? _serializerOptions;

    private FluxEngine(FluxDatabaseBuilder<TKey, TValue> settings, KeyOrdering<TKey> keys)
    {
        var options = settings.Options;
        Name = settings.Name;
        Keys = keys;
        Sizer = new EntrySizer<TKey, TValue>(settings.SizeEstimator, new DefaultSizeEstimator<TKey, TValue>(settings.SerializerOptions));
        Memory = options.MemoryLimit > 0 ? new MemoryLimiter<TKey, TValue>(Sizer, options.MemoryLimit) : null;
        Store = new VersionedSkipList<TKey, TValue>(keys, tracked: Memory is not null);
        Codec = options.Durability == DurabilityMode.InMemory ? null : new WalCodec<TKey, TValue>(settings.SerializerOptions);
        _serializerOptions = settings.SerializerOptions;
        Values = ValueCopier<TValue>.Create(Codec?.Options ?? WalCodec<TKey, TValue>.Guarded(settings.SerializerOptions), options.AssumeImmutableValues);
        _parts = new CommitParts<TKey, TValue>(Store, keys, Counters, Memory, settings.TimeProvider);
        _maxRetained = options.MaxRetainedTransactions;
        _clock = settings.TimeProvider;
        _checkpointInterval = options.CheckpointInterval;
        Retry = new RetryPolicy(options, settings.TimeProvider);
        Metrics = new FluxMetrics(settings.MeterFactory, Name, Counters, () => MemoryBytes);
        _loggerFactory = settings.LoggerFactory;
        var logger = settings.LoggerFactory.CreateLogger("FluxMap.Maintenance");

        // A pass walks every key, so on a large database it can outlast the interval and would then
        // run back to back, taking the commit lock slice after slice. After each pass vacuum rests
        // nine times as long as the pass took: automatic vacuum never takes more than a tenth of the time.
        var clock = settings.TimeProvider;
        var restUntil = 0L;
        if (options.VacuumInterval > TimeSpan.Zero)
        {
            _services.Add(new PeriodicService($"{Name}: vacuum", options.VacuumInterval, VacuumRoundAsync, settings.TimeProvider, logger));
        }

        // The sweeper's deletions are commits, which a read-only open refuses.
        if (options.ExpirationSweepInterval > TimeSpan.Zero && !settings.ReadOnlyFiles)
        {
            var budget = options.MaxExpiredKeysPerSweep;
            _services.Add(new PeriodicService(
                $"{Name}: expired-key sweeper", options.ExpirationSweepInterval, SweepRound, settings.TimeProvider, logger));

            ValueTask SweepRound(CancellationToken cancellationToken)
            {
                Transactions.SweepExpired(budget);
                return ValueTask.CompletedTask;
            }
        }

        async ValueTask VacuumRoundAsync(CancellationToken cancellationToken)
        {
            if (!VacuumHasWork || clock.GetTimestamp() < restUntil)
            {
                return;
            }

            var started = clock.GetTimestamp();
            var result = await Vacuum.RunAsync(cancellationToken).ConfigureAwait(false);
            var ended = clock.GetTimestamp();
            restUntil = ended + (9 * (ended - started));
            Log.Vacuumed(logger, result.VersionsReclaimed, result.KeysRemoved, result.BytesReclaimed, result.TransactionsReleased);
        }
    }

    internal string Name { get; }

    /// <summary>Encodes commits on the committing caller; null in memory, where nothing is logged.</summary>
    internal WalCodec<TKey, TValue>? Codec { get; }

    /// <summary>
    /// Encodes for files: the log's codec, or in memory a new one with the same serializer options
    /// (a backup of an in-memory database writes a durable copy).
    /// </summary>
    /// <exception cref="NotSupportedException">In memory: MessagePack cannot encode the key or value type.</exception>
    internal WalCodec<TKey, TValue> FileCodec() => Codec ?? new WalCodec<TKey, TValue>(_serializerOptions);

    /// <summary>Copies values in and out, so committed data changes only through commits.</summary>
    internal ValueCopier<TValue> Values { get; }

    /// <summary>
    /// Whether a vacuum pass could reclaim anything. A pass walks every key, so automatic vacuum
    /// skips it while every key holds exactly one live version and no read set is retained: a
    /// read-mostly database then costs nothing to keep.
    /// </summary>
    internal bool VacuumHasWork =>
        Volatile.Read(ref Counters.Versions) != Volatile.Read(ref Counters.LiveKeys) || Counters.LiveKeys != Store.Count || Transactions.RetainedCount != 0;

    internal EngineCounters Counters { get; } = new();

    /// <summary>Cursors of finished scans, for the next scans to reuse.</summary>
    internal SparePool<ScanCursor<TKey, TValue>> ScanCursors { get; } = new();

    /// <summary>Emptied workspaces of ended transactions, for the next transactions that write.</summary>
    internal SparePool<WriteSet<TKey, TValue>> Workspaces { get; } = new();

    /// <summary>The write-behind data file; null in memory or when it is turned off.</summary>
    internal DataFileStore<TKey, TValue>? DataFile => _dataFile;

    internal FluxMetrics Metrics { get; }

    internal EntrySizer<TKey, TValue> Sizer { get; }

    internal MemoryLimiter<TKey, TValue>? Memory { get; }

    // Made by Open once the log has started, before the engine is handed out.
    internal Vacuum<TKey, TValue> Vacuum => _vacuum!;

    /// <summary>The background services; a host starts and stops them when the database is hosted.</summary>
    internal IReadOnlyList<PeriodicService> Services => _services;

    internal KeyOrdering<TKey> Keys { get; }

    internal VersionedSkipList<TKey, TValue> Store { get; }

    // Made by Open once the log has started, before the engine is handed out.
    internal TransactionManager<TKey, TValue> Transactions => _transactions!;

    /// <summary>Commit timestamps, the visible watermark and the time time-to-lives are judged against.</summary>
    internal CommitClock Clock => _parts.Clock;

    /// <summary>The lock commits take; tests check what happens under it.</summary>
    internal CommitLock CommitLock => _parts.Gate;

    internal RetryPolicy Retry { get; }

    /// <summary>
    /// Opens the engine: in durable modes takes the directory, replays the log and starts its
    /// writer; opened read-only, it takes the directory for reading and only replays the log.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled between log segments or data file extents; the directory is left as it was and unlocked.</exception>
    internal static FluxEngine<TKey, TValue> Open(FluxDatabaseBuilder<TKey, TValue> settings, KeyOrdering<TKey> keys, CancellationToken cancellationToken)
    {
        var engine = new FluxEngine<TKey, TValue>(settings, keys);
        var options = settings.Options;
        if (options.Durability == DurabilityMode.InMemory)
        {
            engine.StartCommits(null, null);
            return engine;
        }

        var storage = settings.Storage;
        var codec = engine.Codec!;
        var readOnly = settings.ReadOnlyFiles;
        var directory = Path.GetFullPath(options.DataDirectory!);
        var directoryLock = readOnly ? LockForReading(storage, directory) : Lock(storage, directory);
        try
        {
            var logger = settings.LoggerFactory.CreateLogger("FluxMap.Durability");
            if (!readOnly)
            {
                // The new directory's own entry must survive a power loss too.
                storage.SyncDirectory(Path.GetDirectoryName(directory) ?? directory);
            }

            var source = settings.CommitLogSource ?? (readOnly
                ? new ReadOnlyWalSource<TKey, TValue>(new WalRecovery<TKey, TValue>(storage, directory, options, codec, logger), directory, settings.OpenProgress)
                : new WalLogSource<TKey, TValue>(storage, directory, options, codec, settings.TimeProvider, logger, engine.Counters, engine.Metrics, settings.OpenProgress));
            source.CheckFiles();
            var hasDataFile = storage.ListFiles(directory, DataFileFormat.FileName + "*").Contains(DataFileFormat.FileName);
            if (!options.UseDataFile && hasDataFile)
            {
                // Without this the open would ignore what the data file holds and start a log beside it.
                throw new InvalidOperationException(
                    $"The data directory '{directory}' holds a data file ('{DataFileFormat.FileName}', written with UseDataFile or by a backup), " +
                    "but UseDataFile is false: the database would open without the keys the file holds. Open it with UseDataFile = true.");
            }

            // A read-only open creates no data file: without one, the log holds every commit there is.
            if (options.UseDataFile && (hasDataFile || !readOnly))
            {
                engine._dataFile = DataFileStore<TKey, TValue>.Open(
                    storage, directory, options, codec, keys, logger, engine.Counters, engine, settings.OpenProgress, readOnly, cancellationToken);
                engine._replayed = readOnly ? null : new HashSet<TKey>(keys.Equality);
            }

            var checkpoint = engine._dataFile?.CheckpointLsn ?? 0;
            var lastLsn = Math.Max(source.Recover(checkpoint, engine.Replay, cancellationToken), engine._newestLoaded);
            cancellationToken.ThrowIfCancellationRequested();
            engine._parts.Restore(lastLsn);

            // Read-only, the data file takes nothing: the replayed tail stays in memory only.
            var subscriber = readOnly ? null : engine._dataFile;
            if (subscriber is not null)
            {
                subscriber.AcceptReplayed(engine._replayed!, engine.Store, lastLsn);
                engine._replayed = null;
            }

            // Last: nothing after the log starts can fail and leave it running.
            engine._log = source.Start(lastLsn, engine.Clock.AdvanceVisible, subscriber);
            engine.StartCommits(engine._log, engine._dataFile);
            if (subscriber is { } started)
            {
                engine._checkpoints = new CheckpointCoordinator<TKey, TValue>(engine._log, started, engine.Name);
                engine.AddDataFileService(options, settings.TimeProvider);
            }

            engine._directoryLock = directoryLock;
            return engine;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            engine._dataFile?.Dispose();
            directoryLock.Abandon();
            throw new FluxMapIOException($"Reading or repairing the database files in '{directory}' failed: {e.Message}", e);
        }
        catch
        {
            engine._dataFile?.Dispose();
            directoryLock.Abandon();
            throw;
        }
    }

    // Creates the directory when it is new and takes it for this database alone.
    private static DirectoryLock Lock(StorageSystem storage, string directory)
    {
        try
        {
            storage.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FluxMapIOException($"The data directory '{directory}' could not be created or opened: {e.Message}", e);
        }

        try
        {
            return storage.LockDirectory(directory);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FluxMapIOException($"The data directory '{directory}' is not writable: {e.Message}", e);
        }
    }

    private static DirectoryLock LockForReading(StorageSystem storage, string directory)
    {
        try
        {
            return storage.LockDirectoryForReading(directory);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FluxMapIOException($"The data directory '{directory}' does not exist; a read-only open creates nothing.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FluxMapIOException($"The data directory '{directory}' cannot be read: {e.Message}", e);
        }
    }

    // The commit step and vacuum, on the log the open started (none in memory); with a data file
    // and a memory limit, values page out to the data file.
    private void StartCommits(ICommitLog<TKey, TValue>? log, DataFileStore<TKey, TValue>? dataFile)
    {
        var pager = dataFile is not null && Memory is not null ? new ValuePager<TKey, TValue>(_parts.Gate, Memory, dataFile.TryPageOut, Counters) : null;
        var publisher = new CommitPublisher<TKey, TValue>(_parts.Gate, _parts.Clock, log, Counters);
        _transactions = new TransactionManager<TKey, TValue>(_parts, _maxRetained, publisher, pager, Codec);
        _vacuum = new Vacuum<TKey, TValue>(_parts, _transactions);
    }

    // Flushes the write-behind buffers every interval, compacts, then checkpoints when compaction
    // moved records or the log has a segment to give back (or the checkpoint interval passed with
    // commits to cover).
    private void AddDataFileService(FluxMapOptions options, TimeProvider clock)
    {
        _lastCheckpoint = clock.GetTimestamp();
        _services.Add(new PeriodicService($"{Name}: data file", options.WriteBehindInterval, DataFileRoundAsync, clock, _loggerFactory.CreateLogger("FluxMap.DataFile")));
    }

    /// <summary>One round of the data file's background work, as its service runs it every <see cref="FluxMapOptions.WriteBehindInterval"/>.</summary>
    internal async ValueTask DataFileRoundAsync(CancellationToken cancellationToken)
    {
        var (dataFile, checkpoints) = (_dataFile!, _checkpoints!);
        await dataFile.FlushAllAsync(cancellationToken).ConfigureAwait(false);

        // Compaction first: what it empties is reusable after the checkpoint following the one that
        // stops listing it, so a checkpoint right after it makes its space reusable a round sooner.
        var moved = dataFile.Compact();
        var due = _clock.GetElapsedTime(_lastCheckpoint) >= _checkpointInterval && Clock.LastCommit > dataFile.CheckpointLsn;
        if (checkpoints.LogHasReleasable || due || moved > 0)
        {
            await checkpoints.CheckpointAsync(everything: false, cancellationToken).ConfigureAwait(false);
            _lastCheckpoint = _clock.GetTimestamp();
        }

        // Keys flushed by this round can leave memory now rather than at the next commit.
        if (Memory is { IsOverLimit: true })
        {
            Transactions.PageOutOverLimit();
        }
    }

    private long? MemoryBytes
    {
        get
        {
            // Null until open has made the commit step as well: a meter may collect while recovery runs.
            return Memory is null || _transactions is null ? null : _transactions.Maintain(Memory, static (memory, _) => memory.TotalBytes);
        }
    }

    internal async ValueTask StartServicesAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _services)
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal FluxStatistics GetStatistics()
    {
        long? live = null, total = null;
        if (Memory is not null)
        {
            (live, total) = Transactions.Maintain(Memory, static (memory, _) => (memory.LiveBytes, memory.TotalBytes));
        }

        var c = Counters;
        return new FluxStatistics
        {
            Count = Volatile.Read(ref c.LiveKeys),
            Versions = Volatile.Read(ref c.Versions),
            Reads = c.Reads.Read(),
            Commits = Volatile.Read(ref c.Commits),
            WriteWriteAborts = Volatile.Read(ref c.WriteWriteAborts),
            ReadWriteAborts = Volatile.Read(ref c.ReadWriteAborts),
            Retries = Volatile.Read(ref c.Retries),
            WalBytes = Volatile.Read(ref c.WalBytes),
            WalSyncs = Volatile.Read(ref c.WalSyncs),
            WalUnsyncedCommits = _log is null ? 0 : Math.Max(0, Clock.LastCommit - _log.DurableTimestamp),
            LiveMemoryBytes = live,
            MemoryBytes = total,
            MemoryLimit = Memory?.Limit ?? 0,
            Evictions = Volatile.Read(ref c.Evictions),
            VacuumRuns = Volatile.Read(ref c.VacuumRuns),
            VersionsReclaimed = Volatile.Read(ref c.VersionsReclaimed),
            KeysReclaimed = Volatile.Read(ref c.KeysReclaimed),
            WalDiskBytes = _log?.DiskBytes ?? 0,
            DataFileBytes = _dataFile?.FileBytes ?? 0,
            DataFileLiveBytes = _dataFile?.LiveBytes ?? 0,
            DataFileBytesWritten = Volatile.Read(ref c.DataFileBytesWritten),
            CheckpointLsn = _dataFile?.CheckpointLsn ?? 0,
            Checkpoints = Volatile.Read(ref c.Checkpoints),
            Compactions = Volatile.Read(ref c.Compactions),
            PagedOutValues = Volatile.Read(ref c.PagedOut),
            PagedReads = Volatile.Read(ref c.PagedReads),
        };
    }

    internal FluxHealth GetHealth()
    {
        if (_log?.Failure is { } failure)
        {
            return new FluxHealth(FluxHealthStatus.Failed, $"The database '{Name}' failed closed and acknowledges no more commits: {failure.Message}", failure);
        }

        if (Transactions.HalfPublished is { } halfPublished)
        {
            return new FluxHealth(FluxHealthStatus.Failed, halfPublished.Message, halfPublished);
        }

        if (_disposed)
        {
            return new FluxHealth(FluxHealthStatus.Failed, $"The database '{Name}' is closed.", null);
        }

        if (_dataFile?.Failure is { } dataFileFailure)
        {
            return new FluxHealth(FluxHealthStatus.Degraded, dataFileFailure.Message, dataFileFailure);
        }

        if (Sizer.EstimatorFault is { } estimatorFault)
        {
            return new FluxHealth(
                FluxHealthStatus.Degraded, $"The memory size estimator threw, so the default estimate is used instead: {estimatorFault.Message}", estimatorFault);
        }

        foreach (var service in _services)
        {
            if (service.Fault is { } fault)
            {
                return new FluxHealth(FluxHealthStatus.Degraded, $"The background service '{service.Name}' failed: {fault.Message}", fault);
            }
        }

        return new FluxHealth(FluxHealthStatus.Healthy, null, null);
    }

    /// <summary>
    /// Estimates the bytes every key and version holds by walking the whole store; commits go on
    /// meanwhile, so the figure is as of no single moment.
    /// </summary>
    internal async ValueTask<long> MeasureMemoryAsync(CancellationToken cancellationToken)
    {
        var bytes = 0L;
        var visited = 0;
        for (var node = Store.First; node is not null; node = node.Next(0))
        {
            bytes += Sizer.NodeBytes(node);
            for (var version = node.Head; version is not null; version = version.Older)
            {
                bytes += Sizer.VersionBytes(version);
            }

            if (++visited % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
            }
        }

        return bytes;
    }

    /// <summary>
    /// Completes when a commit may go ahead: at once, unless the log has reached its bound on disk
    /// (WalPoolSize × WalSegmentSize) because checkpoints fell behind. Then the commit waits,
    /// outside every lock, until a checkpoint lets the log give segments back; the first waiter
    /// starts that checkpoint at once rather than at the data file's next round. A data file that
    /// failed takes no more checkpoints, so then the log grows as it must and commits go on.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The database closed while the commit waited; nothing of it was committed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while the commit waited.</exception>
    internal ValueTask AdmitAsync(CancellationToken cancellationToken)
    {
        var room = _log?.Room;
        return room is null || room.IsCompleted ? default : WaitForRoomAsync(room, cancellationToken);
    }

    private async ValueTask WaitForRoomAsync(Task room, CancellationToken cancellationToken)
    {
        var relief = StartRelief();
        while (!room.IsCompleted && _dataFile is { Failure: null })
        {
            await Task.WhenAny(room, relief, _closeStarted.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfDisposed();
            room = _log!.Room;

            // Commits admitted before the bound was reached may fill the log again: then another
            // checkpoint. After a failed one the data file's own rounds retry at their interval.
            if (relief.IsCompleted)
            {
                relief = relief.Result ? StartRelief() : WhenClosing;
            }
        }
    }

    private Task<bool> WhenClosing => _closeStarted.Task.ContinueWith(static _ => false, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    // One checkpoint at a time, off the committer's stack: flush the write-behind buffers (the
    // log's finished segments were all handed over before the bound was reached), checkpoint,
    // release. Checkpoints never wait for room, so this cannot wait on the commits that wait on it.
    // Completes with whether it succeeded.
    private Task<bool> StartRelief()
    {
        lock (_reliefGate)
        {
            if (_disposed || _checkpoints is null)
            {
                return WhenClosing;
            }

            if (_relief is not { IsCompleted: false })
            {
                var (dataFile, checkpoints) = (_dataFile!, _checkpoints);
                _relief = Task.Run(async () =>
                {
                    try
                    {
                        await dataFile.FlushAllAsync(CancellationToken.None).ConfigureAwait(false);
                        await checkpoints.CheckpointAsync(everything: false, CancellationToken.None).ConfigureAwait(false);
                        return true;
                    }
                    catch (Exception e)
                    {
                        Log.LogBoundCheckpointFailed(_loggerFactory.CreateLogger("FluxMap.DataFile"), Name, e);
                        return false;
                    }
                });
            }

            return _relief;
        }
    }

    internal void ThrowIfDisposed() => Disposed.ThrowIf(_disposed, typeof(FluxDatabase<TKey, TValue>));

    /// <summary>Flushes every write-behind buffer and checkpoints; without a data file, syncs the log.</summary>
    internal async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (_checkpoints is not null)
        {
            await _checkpoints.CheckpointAsync(everything: true, cancellationToken).ConfigureAwait(false);
        }
        else if (_log is not null)
        {
            await _log.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal Task FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return _log?.FlushAsync(cancellationToken) ?? Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        // A second or concurrent call waits for the first, so the directory is free when it returns.
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            await _closed.Task.ConfigureAwait(false);
            return;
        }

        Task? relief;
        lock (_reliefGate)
        {
            _disposed = true;
            relief = _relief;
        }

        _closeStarted.TrySetResult();
        try
        {
            foreach (var service in _services)
            {
                await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
                service.Dispose();
            }

            if (relief is not null)
            {
                await relief.ConfigureAwait(false);
            }

            Transactions.CloseLog();
            await CloseDataFileAsync().ConfigureAwait(false);
            if (_dataFile is not null)
            {
                await _dataFile.CloseAsync().ConfigureAwait(false);
            }

            if (_log is not null)
            {
                await _log.DisposeAsync().ConfigureAwait(false);
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
            _dataFile?.Dispose();
            _directoryLock?.Dispose();
            Metrics.Dispose();
        }
    }

    // A last checkpoint makes the next open fast; if it cannot be taken the log still holds every
    // commit, so closing goes on and the next open replays it.
    private async Task CloseDataFileAsync()
    {
        if (_dataFile is null || _checkpoints is null || _log!.Failure is not null || _dataFile.Failure is not null)
        {
            return;
        }

        try
        {
            await _checkpoints.CheckpointAsync(everything: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (FluxMapIOException e)
        {
            Log.CloseCheckpointFailed(_loggerFactory.CreateLogger("FluxMap.DataFile"), _dataFile.Path, e);
        }
    }

    /// <summary>
    /// The newest version visible to a new snapshot, read without registering a transaction, and
    /// its value held in memory (default for none or for a paged-out version).
    /// </summary>
    /// <remarks>
    /// A single read outside a transaction is serializable at any commit point, so it needs no
    /// snapshot registration; the watermark is re-read per version so the answer is always the
    /// newest visible one, even if the chain changes while it is walked.
    /// </remarks>
    internal VersionEntry<TValue>? ReadLatest(TKey key, out TValue value)
    {
        Counters.Reads.Increment();
        var node = Store.Find(key);
        node?.Lru?.Touch();

        // The answer is the newest version at the watermark read first. A commit or vacuum may cut
        // the chain below a newer horizon while the walk runs; that can only hide the version
        // sought once the watermark has moved, so a walk that finds nothing then starts again. The
        // version found may be the key's embedded first one, which lets its value go when a newer
        // commit cuts it off or it is paged out: a look that finds it so starts again as well.
        while (true)
        {
            value = default!;
            var visible = Volatile.Read(ref Clock.VisibleRef);
            if (node?.Read(visible) is not { } version)
            {
                if (Volatile.Read(ref Clock.VisibleRef) == visible)
                {
                    return null;
                }
            }
            else if (!Clock.IsLiveNow(version))
            {
                return null;
            }
            else if (version is PagedVersion<TValue> || version.TryGetValue(out value))
            {
                return version;
            }
        }
    }

    /// <summary>Reads a paged-out value back without blocking, keeping it in memory again (the memory limit decides for how long).</summary>
    internal async ValueTask<FluxValue<TValue>> ReadPagedAsync(TKey key, PagedVersion<TValue> paged, CancellationToken cancellationToken)
    {
        var (version, value) = await LoadAsync(paged, (Engine: this, Key: key), static s => s.Engine.ReadLatest(s.Key, out _), cancellationToken).ConfigureAwait(false);
        return version switch
        {
            null => default,
            PagedVersion<TValue> loaded => new FluxValue<TValue>(PageIn(key, loaded, value)),
            _ => new FluxValue<TValue>(value),
        };
    }

    /// <summary>
    /// The value of <paramref name="version"/> for the caller to keep: a copy of one held in memory,
    /// at once, or one paged out, read back without blocking (see <see cref="LoadAsync"/>). A key's
    /// embedded first version lets its value go when it leaves its chain: <paramref name="find"/>
    /// then looks the key up again and the version it finds answers instead.
    /// </summary>
    internal ValueTask<(VersionEntry<TValue>? Version, TValue Value)> ValueOfAsync<TState>(
        VersionEntry<TValue>? version, TState state, Func<TState, VersionEntry<TValue>?> find, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryCopy(version, out var read))
            {
                return new(read);
            }

            if (version is PagedVersion<TValue> paged)
            {
                return LoadAsync(paged, state, find, cancellationToken);
            }

            version = find(state);
        }
    }

    /// <summary>
    /// Reads a paged-out version's value from the data file without blocking; it stays out of
    /// memory. If the version left its chain while it was read (a newer commit replaced it, or a
    /// reader paged it back in), its record's space may have been reused: <paramref name="find"/>
    /// looks the key up again and the version it finds answers instead.
    /// </summary>
    /// <returns>The version that answered (null for none) and its value: read back, or a copy of one in memory.</returns>
    internal async ValueTask<(VersionEntry<TValue>? Version, TValue Value)> LoadAsync<TState>(
        PagedVersion<TValue> paged, TState state, Func<TState, VersionEntry<TValue>?> find, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return (paged, await paged.LoadAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (CorruptionException) when (paged.IsReleased)
            {
                var version = find(state);
                if (version is not PagedVersion<TValue> newer)
                {
                    return await ValueOfAsync(version, state, find, cancellationToken).ConfigureAwait(false);
                }

                paged = newer;
            }
        }
    }

    /// <summary>
    /// A version held in memory, or none, and a copy of its value for the caller to keep; false for a
    /// paged-out version or an embedded one that let its value go, which <see cref="ValueOfAsync"/> reads.
    /// </summary>
    internal bool TryCopy(VersionEntry<TValue>? version, out (VersionEntry<TValue>? Version, TValue Value) read)
    {
        read = default;
        if (version is null)
        {
            return true;
        }

        if (version is PagedVersion<TValue> || !version.TryGetValue(out var value))
        {
            return false;
        }

        read = (version, Values.Copy(value, "value"));
        return true;
    }

    /// <summary>
    /// Keeps a value a point read loaded in memory again if its version is still the key's newest;
    /// the store then holds that instance, so the reader gets a copy.
    /// </summary>
    internal TValue PageIn(TKey key, PagedVersion<TValue> paged, TValue value) =>
        Transactions.PageIn(Store.Find(key), paged, value) ? Values.Copy(value, "value") : value;

    /// <summary>
    /// The newest committed value, visible or not (Full durability publishes late): what a
    /// single-key update at the commit point will see. Anything computed from it is acknowledged
    /// only after that commit is durable, since the update is logged after it.
    /// </summary>
    internal VersionEntry<TValue>? ReadNewest(TKey key) =>
        Store.Find(key)?.Head is { } head && Clock.IsLiveNow(head) ? head : null;

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

    // Recovery keeps only the newest version of each key: no snapshot older than the log's end
    // exists. With a data file, a key may already hold a newer record than a log entry after the
    // checkpoint (write-behind ran ahead of the checkpoint); the newer one stays.
    private void Replay(long lsn, TKey key, TValue value, bool isDelete, long expiresAt)
    {
        var node = Store.Find(key);
        if (node?.Head is { } head && head.Timestamp >= lsn)
        {
            return;
        }

        _replayed?.Add(key);
        if (isDelete)
        {
            node?.Recover(lsn, default!, isTombstone: true, 0);
        }
        else
        {
            (node ?? Store.AddAbsent(key)).Recover(lsn, value, isTombstone: false, expiresAt);
        }
    }

    void IRecordLoader<TKey, TValue>.Reserve(int keys) => Store.Reserve(keys);

    // Opening a data file: one record per key, in key order, into an empty store.
    void IRecordLoader<TKey, TValue>.Load(TKey key, long timestamp, TValue value, long expiresAt, PagedVersion<TValue>? paged)
    {
        var node = Store.Append(key);
        if (paged is not null)
        {
            node.Overwrite(paged);
        }
        else
        {
            node.Recover(timestamp, value, isTombstone: false, expiresAt);
        }

        _newestLoaded = Math.Max(_newestLoaded, timestamp);
    }
}

using System.Diagnostics;
using FluxMap.Diagnostics;
using FluxMap.Serialization;
using Microsoft.Extensions.Logging;

namespace FluxMap.Durability;

/// <summary>
/// The write-ahead log's writer, on two threads of its own so that committers that keep every
/// thread-pool thread busy cannot starve it. Commits arrive in commit order, already encoded. A
/// thread holding the writer role (see <see cref="WalIntake"/>) takes everything queued, frames it
/// into one buffer and writes it with one call; then, if a sync is wanted and none is running, it
/// takes the sync slot, gives the writer role up and syncs, so the other thread writes the next
/// group while this sync runs (group commit with one sync in flight and the next group's write
/// overlapping it). A sync covers exactly what was written before it began, and acknowledges it
/// (in Full mode publishing it first), in log order: syncs hold the slot one at a time. In
/// Relaxed mode commits are acknowledged on arrival and the log is synced on the first of the
/// interval, commit-count and byte triggers; a commit that would leave more than twice
/// FlushAfterCommits commits, or twice FlushAfterBytes bytes, acknowledged but unsynced waits for
/// its own sync, so a crash never loses more than that window. Synced commits go on to the
/// subscriber (the data file). Checkpoints release the segments they cover; the writer recycles
/// them into a pool of at most WalPoolSize files (live and pooled), so with checkpoints keeping up
/// the log's disk use stays bounded and rotation renames a file instead of allocating one. With a
/// subscriber (whose checkpoints release segments) the bound is enforced: once the live segments
/// reach it, <see cref="Room"/> makes new commits wait until a release frees one.
/// </summary>
internal sealed class WalWriter<TKey, TValue> : ICommitLog<TKey, TValue>
    where TKey : notnull
{
    private readonly WalIntake _intake = new();
    private readonly StorageSystem _storage;
    private readonly string _directory;
    private readonly long _segmentSize;
    private readonly int _poolSize;
    private readonly long _bound;
    private readonly bool _full;
    private readonly int _flushAfterCommits;
    private readonly long _flushAfterBytes;
    private readonly long _windowCommits;
    private readonly long _windowBytes;
    private readonly Action<long> _publishDurable;
    private readonly ICommitSubscriber<TKey, TValue>? _subscriber;
    private readonly ILogger _logger;
    private readonly EngineCounters _counters;
    private readonly FluxMetrics _metrics;
    private readonly ITimer? _flushTimer;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running = 2;

    // The writer role's state: one thread at a time frames and writes (handed over through the intake's lock).
    private readonly ByteBuffer _batch = new(64 * 1024);
    private readonly List<WalSegmentInfo> _finished;
    private readonly List<WalPoolFile> _pool;

    // Framed since the last write: records and flush requests, in log order.
    private readonly List<object> _group = [];
    private int _groupCommits;
    private long _lastSequence;
    private long _diskBytes;
    private int _segmentCount;
    private long _lastLsn;
    private long _framedCommits;
    private long _framedBytes;

    // The sync slot's state, under _syncGate: what was written and not yet covered by a sync that
    // began, in log order, and how far the log is written. The segment changes only while its
    // writer holds the slot too, so a sync always syncs the file its records went to.
    private readonly object _syncGate = new();
    private List<object> _unsynced = [];
    private List<object> _covering = [];
    private int _unsyncedCommits;
    private long _unsyncedBytes;
    private long _writtenLsn;
    private long _writtenCommits;
    private long _writtenBytes;
    private bool _syncWanted;
    private bool _syncing;
    private WalSegment _segment;
    private TaskCompletionSource? _roomWait;
    private bool _roomForGood;

    // The slot holder's: what the last sync made durable.
    private long _durableLsn;
    private long _publishedLsn;
    private long _lastAppended;

    // The window: appended counts belong to committers (under the commit lock), synced ones to the slot holder.
    private long _appendedCommits;
    private long _appendedBytes;
    private long _syncedCommits;
    private long _syncedBytes;
    private volatile FluxMapIOException? _failure;

    internal WalWriter(
        StorageSystem storage,
        string directory,
        FluxMapOptions options,
        WalRecoveryResult recovered,
        Action<long> publishDurable,
        ICommitSubscriber<TKey, TValue>? subscriber,
        TimeProvider timeProvider,
        ILogger logger,
        EngineCounters counters,
        FluxMetrics metrics)
    {
        _counters = counters;
        _metrics = metrics;
        _storage = storage;
        _directory = directory;
        _segmentSize = options.WalSegmentSize;
        _poolSize = options.WalPoolSize;
        _bound = subscriber is null ? long.MaxValue : options.WalPoolSize * options.WalSegmentSize;
        _full = options.Durability == DurabilityMode.Full;
        _flushAfterCommits = options.FlushAfterCommits;
        _flushAfterBytes = options.FlushAfterBytes;
        _windowCommits = 2L * options.FlushAfterCommits;
        _windowBytes = 2L * options.FlushAfterBytes;
        _segment = recovered.Segment;
        _finished = [.. recovered.Finished];
        _pool = [.. recovered.Pool];
        _lastSequence = _pool.Select(file => file.Sequence).Append(_segment.Sequence).Max();
        _diskBytes = _segment.Length + _finished.Sum(segment => segment.Length) + _pool.Sum(file => file.Length);
        _segmentCount = _finished.Count + 1;
        _lastLsn = _writtenLsn = _durableLsn = _publishedLsn = _lastAppended = recovered.LastLsn;
        _publishDurable = publishDurable;
        _subscriber = subscriber;
        _logger = logger;
        UpdateRoom();
        for (var i = 1; i <= 2; i++)
        {
            new Thread(Run) { IsBackground = true, Name = i == 1 ? "FluxMap log writer" : "FluxMap log writer 2" }.Start();
        }

        if (!_full)
        {
            _flushTimer = timeProvider.CreateTimer(static state => ((WalWriter<TKey, TValue>)state!)._intake.TryEnqueue(FlushTick.Instance), this, options.FlushInterval, options.FlushInterval);
        }
    }

    public bool PublishesWhenDurable => _full;

    public long DurableTimestamp => Volatile.Read(ref _durableLsn);

    public FluxMapIOException? Failure => _failure;

    /// <summary>Gets the bytes of every log file: live segments and pooled ones.</summary>
    public long DiskBytes => Volatile.Read(ref _diskBytes);

    /// <summary>Gets the number of live segments, the one being written included.</summary>
    public int SegmentCount => Volatile.Read(ref _segmentCount);

    /// <summary>
    /// Gets a task that completes once the log has room for more commits: completed unless the
    /// live segments have reached WalPoolSize × WalSegmentSize (another segment would pass it), in
    /// which case it completes when a checkpoint's release brings them under it, or the log fails or closes.
    /// </summary>
    public Task Room => Volatile.Read(ref _roomWait)?.Task ?? Task.CompletedTask;

    public bool TakesCommits => true;

    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new FluxMapIOException(failure.Message, failure);
        }
    }

    public ValueTask Append(CommitRecord<TKey, TValue> record)
    {
        _appendedCommits++;
        _appendedBytes += record.Payload.Length;
        if (_full || _appendedCommits - Volatile.Read(ref _syncedCommits) > _windowCommits || _appendedBytes - Volatile.Read(ref _syncedBytes) > _windowBytes)
        {
            record.Durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Disposed.ThrowIf(!_intake.TryEnqueue(record, urgent: record.Durable is not null), typeof(FluxDatabase<TKey, TValue>));
        Volatile.Write(ref _lastAppended, record.Timestamp);
        return record.Durable is { } durable ? new ValueTask(durable.Task) : default;
    }

    /// <summary>Writes and syncs everything queued so far.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => SubmitAsync(new FlushRequest(), cancellationToken);

    /// <summary>
    /// Retires every segment but the current one whose records all have LSNs at or below
    /// <paramref name="checkpointLsn"/>, which a checkpoint has made safe elsewhere; completes once
    /// the directory says so durably. The thread holding the writer role does the file work, so it
    /// never races a rotation.
    /// </summary>
    public Task ReleaseThroughAsync(long checkpointLsn, CancellationToken cancellationToken) =>
        SubmitAsync(new ReleaseRequest(checkpointLsn), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_flushTimer is not null)
        {
            await _flushTimer.DisposeAsync().ConfigureAwait(false);
        }

        OpenRoom(forGood: true);
        _intake.Close();
        await _stopped.Task.ConfigureAwait(false);
        _segment.Dispose();

        // Relaxed commits were acknowledged before they were synced: say so if some never were.
        if (!_full && _failure is { } failure && Volatile.Read(ref _lastAppended) > _durableLsn)
        {
            throw new FluxMapIOException(
                $"The database closed without syncing commits up to LSN {Volatile.Read(ref _lastAppended)} (synced up to {_durableLsn}): {failure.Message}", failure);
        }
    }

    private Task SubmitAsync(Request request, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        Disposed.ThrowIf(!_intake.TryEnqueue(request), typeof(FluxDatabase<TKey, TValue>));
        return request.Completion.Task.WaitAsync(cancellationToken);
    }

    // Each of the two threads: write a group while holding the writer role, then sync if this
    // thread took the slot (the other one may write meanwhile). The last one out syncs what is left.
    private void Run()
    {
        var spare = new List<object>();
        var spin = false;
        while (_intake.TakeWork(spare, spin) is { } work)
        {
            var sync = Process(work);
            _intake.EndWriting();
            if (sync)
            {
                do
                {
                    SyncWritten();
                }
                while (KeepSlot());
            }

            // Relaxed committers do not wait for the next turn, so nothing is gained by spinning for it.
            spare = work;
            spin = _full;
        }

        if (Interlocked.Decrement(ref _running) == 0)
        {
            // Closing: whatever was written reaches the disk before the files close.
            if (_failure is null && HasUnsynced())
            {
                SyncWritten();
            }

            _stopped.TrySetResult();
        }
    }

    // Frames and writes one group; returns whether this thread took the sync slot to sync it.
    private bool Process(List<object> work)
    {
        if (_failure is not null)
        {
            Fail(work, 0);
            return false;
        }

        var index = 0;
        try
        {
            var syncRequested = _full;
            for (; index < work.Count; index++)
            {
                switch (work[index])
                {
                    case CommitRecord<TKey, TValue> record:
                        Frame(record);
                        syncRequested |= record.Durable is not null;
                        break;
                    case FlushRequest flush:
                        _group.Add(flush);
                        syncRequested = true;
                        break;
                    case FlushTick:
                        syncRequested = true;
                        break;
                    case ReleaseRequest release:
                        Release(release.CheckpointLsn);
                        release.Completion.TrySetResult();
                        break;
                }
            }

            WriteBatch();
            return TakeSlotFor(syncRequested);
        }
        catch (Exception e)
        {
            // Any failure here leaves the log's tail unknown: fail closed rather than acknowledge
            // anything after it. What a sync before the failure covered is durable all the same.
            FailLog(e);
            Fail(_group, 0);
            _group.Clear();
            _groupCommits = 0;
            _batch.Truncate(0);
            Fail(work, index);
            return false;
        }
    }

    private void Frame(CommitRecord<TKey, TValue> record)
    {
        const int payloadStart = WalFormat.RecordHeaderSize + WalFormat.BodyPrefixSize;
        var size = payloadStart + record.Payload.Length;

        // Records never span segments: when this one does not fit, finish the segment without it.
        if (_segment.Position + _batch.Count + size > _segment.Length)
        {
            WriteBatch();
            RotateSynced(Math.Max(_segmentSize, WalFormat.SegmentHeaderSize + size));
        }

        var span = _batch.GetSpan(size)[..size];
        record.Payload.CopyTo(span[payloadStart..]);
        WalFormat.SealRecord(span, record.Timestamp, Volatile.Read(ref _durableLsn), WalFormat.CommitKind);
        _batch.Advance(size);
        _group.Add(record);
        _groupCommits++;
        _lastLsn = record.Timestamp;
        _framedCommits++;
        _framedBytes += record.Payload.Length;

        // Write large batches in pieces, so the buffer stays small however big the values.
        if (_batch.Count >= 1 << 20)
        {
            WriteBatch();
        }
    }

    // Syncs everything written to the current segment and moves on to the next, holding the sync
    // slot throughout: no sync runs on the old file once it is closed, or on the new one before it is whole.
    private void RotateSynced(long size)
    {
        lock (_syncGate)
        {
            while (_syncing)
            {
                Monitor.Wait(_syncGate);
            }

            ThrowIfFailedLocked();
            _syncing = true;
        }

        try
        {
            SyncWritten();
            lock (_syncGate)
            {
                ThrowIfFailedLocked();
            }

            Rotate(size);
        }
        finally
        {
            lock (_syncGate)
            {
                _syncing = false;
                Monitor.PulseAll(_syncGate);
            }
        }
    }

    // Finishes the current segment and goes on in the next: a pooled file when there is one,
    // else a new one. Sequences go past the pool's too, so a retired file's name stays unique.
    private void Rotate(long size)
    {
        var sequence = _lastSequence + 1;
        WalSegment next;
        long added;
        if (_pool.Count > 0)
        {
            var pooled = _pool[^1];
            next = WalSegment.Recycle(_storage, _directory, pooled.Sequence, sequence, size);
            _pool.RemoveAt(_pool.Count - 1);
            added = next.Length - pooled.Length;
        }
        else
        {
            next = WalSegment.Create(_storage, _directory, sequence, size);
            added = next.Length;
        }

        _lastSequence = sequence;
        _finished.Add(new WalSegmentInfo(_segment.Sequence, _lastLsn, _segment.Length));
        _segment.Dispose();
        _segment = next;
        PublishFiles(added);
    }

    // Recycles the finished segments the checkpoint covers while the log keeps fewer than
    // WalPoolSize files, deletes the rest, and syncs the directory. A crash before that sync may
    // bring some back; recovery skips what the checkpoint covers, and the next release retires them.
    private void Release(long checkpointLsn)
    {
        Predicate<WalSegmentInfo> covered = segment => segment.LastLsn <= checkpointLsn;
        var retired = _finished.FindAll(covered);
        if (retired.Count == 0)
        {
            return;
        }

        _finished.RemoveAll(covered);
        var deleted = 0L;
        foreach (var segment in retired)
        {
            var path = WalFileName.Segment.Path(_directory, segment.Sequence);
            if (_finished.Count + 1 + _pool.Count < _poolSize)
            {
                _storage.Move(path, WalFileName.Pool.Path(_directory, segment.Sequence));
                _pool.Add(new WalPoolFile(segment.Sequence, segment.Length));
            }
            else
            {
                _storage.Delete(path);
                deleted += segment.Length;
            }
        }

        _storage.SyncDirectory(_directory);
        PublishFiles(-deleted);
    }

    private void PublishFiles(long addedBytes)
    {
        Volatile.Write(ref _diskBytes, _diskBytes + addedBytes);
        Volatile.Write(ref _segmentCount, _finished.Count + 1);
        UpdateRoom();
    }

    // Admission: the live segments may not grow past the bound, so once another segment would pass
    // it new commits wait (those already queued are still written: the overshoot is one group).
    private void UpdateRoom()
    {
        var full = _finished.Sum(segment => segment.Length) + _segment.Length + _segmentSize > _bound;
        lock (_syncGate)
        {
            if (full && !_roomForGood)
            {
                if (_roomWait is null)
                {
                    Volatile.Write(ref _roomWait, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }
            }
            else
            {
                OpenRoomLocked();
            }
        }
    }

    // Lets every commit waiting for room go on; for good once the log failed or closes.
    private void OpenRoom(bool forGood)
    {
        lock (_syncGate)
        {
            _roomForGood |= forGood;
            OpenRoomLocked();
        }
    }

    private void OpenRoomLocked()
    {
        _roomWait?.TrySetResult();
        Volatile.Write(ref _roomWait, null);
    }

    // Writes what is framed (the end mark goes out with the records, as far as the segment has
    // room for it, so a synced tail always ends in one), then hands it to the next sync.
    private void WriteBatch()
    {
        var count = _batch.Count;
        if (count > 0)
        {
            var mark = (int)Math.Min(WalFormat.RecordHeaderSize, _segment.Remaining - count);
            _batch.GetSpan(mark)[..mark].Clear();
            _batch.Advance(mark);
            _segment.File.Write(_batch.Written, _segment.Position);
            _segment.Position += count;
            Volatile.Write(ref _counters.WalBytes, _counters.WalBytes + count);
            _batch.Truncate(0);
        }

        if (_group.Count == 0)
        {
            return;
        }

        lock (_syncGate)
        {
            ThrowIfFailedLocked();
            _unsynced.AddRange(_group);
            _unsyncedCommits += _groupCommits;
            _unsyncedBytes += count;
            _writtenLsn = _lastLsn;
            _writtenCommits = _framedCommits;
            _writtenBytes = _framedBytes;
        }

        _group.Clear();
        _groupCommits = 0;
    }

    // After a group is written: whether a sync is wanted now (Full, a waiting commit or flush, or a
    // Relaxed trigger) and this thread may run it (no sync is in flight); if so it holds the slot.
    private bool TakeSlotFor(bool requested)
    {
        lock (_syncGate)
        {
            _syncWanted |= _unsynced.Count > 0 && (requested || _unsyncedCommits >= _flushAfterCommits || _unsyncedBytes >= _flushAfterBytes);
            if (!_syncWanted || _syncing || _failure is not null)
            {
                return false;
            }

            _syncing = true;
            return true;
        }
    }

    // After a sync: keeps the slot when another group was written and wants a sync meanwhile,
    // else gives it up (waking a writer that waits for it to rotate).
    private bool KeepSlot()
    {
        lock (_syncGate)
        {
            if (_syncWanted && _failure is null)
            {
                return true;
            }

            _syncing = false;
            Monitor.PulseAll(_syncGate);
            return false;
        }
    }

    private bool HasUnsynced()
    {
        lock (_syncGate)
        {
            return _unsynced.Count > 0;
        }
    }

    // Holding the sync slot: syncs the current segment, which holds everything written and not yet
    // synced, and acknowledges what was written before the sync began, in log order. A sync of
    // nothing new (a flush behind a sync that already covered everything) skips the system call.
    private void SyncWritten()
    {
        List<object> covered;
        long lsn, commits, bytes;
        WalSegment segment;
        lock (_syncGate)
        {
            if (_failure is not null)
            {
                return;
            }

            covered = _unsynced;
            _unsynced = _covering;
            _covering = covered;
            (lsn, commits, bytes, segment) = (_writtenLsn, _writtenCommits, _writtenBytes, _segment);
            _syncWanted = false;
            _unsyncedCommits = 0;
            _unsyncedBytes = 0;
        }

        try
        {
            if (commits != _syncedCommits)
            {
                var started = Stopwatch.GetTimestamp();
                segment.File.Sync();
                _metrics.RecordSync(Stopwatch.GetElapsedTime(started));
                Volatile.Write(ref _counters.WalSyncs, _counters.WalSyncs + 1);
            }

            Volatile.Write(ref _durableLsn, lsn);
            Volatile.Write(ref _syncedCommits, commits);
            Volatile.Write(ref _syncedBytes, bytes);
            foreach (var item in covered)
            {
                if (item is CommitRecord<TKey, TValue> record)
                {
                    _subscriber?.Accept(record);
                }
            }
        }
        catch (Exception e)
        {
            // Never retried: the kernel may have dropped the pages a failed sync was to write.
            FailLog(e);
            Fail(covered, 0);
            covered.Clear();
            return;
        }

        if (_full && lsn > _publishedLsn)
        {
            _publishDurable(lsn);
            _publishedLsn = lsn;
        }

        foreach (var item in covered)
        {
            switch (item)
            {
                case CommitRecord<TKey, TValue> { Durable: { } durable }:
                    durable.TrySetResult();
                    break;
                case Request request:
                    request.Completion.TrySetResult();
                    break;
            }
        }

        covered.Clear();
    }

    private void ThrowIfFailedLocked()
    {
        if (_failure is { } failure)
        {
            throw new FluxMapIOException(failure.Message, failure);
        }
    }

    // Fails the log for good (the first failure names the cause) and everything written but not
    // yet covered by a sync; commits that wait for room go on and meet the failure.
    private void FailLog(Exception e)
    {
        List<object> unsynced;
        lock (_syncGate)
        {
            if (_failure is null)
            {
                _failure = new FluxMapIOException(
                    $"Writing the write-ahead log in '{_directory}' failed, so the database no longer accepts commits; commits not yet acknowledged were not made durable. Reopen the database to recover. ({e.GetType().Name}: {e.Message})",
                    e);
                Log.WalFailed(_logger, _directory, e);
            }

            unsynced = _unsynced;
            _unsynced = [];
            _roomForGood = true;
            OpenRoomLocked();
        }

        Fail(unsynced, 0);
    }

    // Fails the commits and requests of `items` from `from` on that no sync acknowledged.
    private void Fail(List<object> items, int from)
    {
        var failure = _failure!;
        for (var i = from; i < items.Count; i++)
        {
            switch (items[i])
            {
                case CommitRecord<TKey, TValue> { Durable: { } durable }:
                    durable.TrySetException(new FluxMapIOException(failure.Message, failure));
                    break;
                case Request request:
                    request.Completion.TrySetException(new FluxMapIOException(failure.Message, failure));
                    break;
            }
        }
    }

    /// <summary>A request whose caller waits for the writer to have handled it.</summary>
    private abstract class Request
    {
        internal TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class FlushRequest : Request;

    private sealed class ReleaseRequest(long checkpointLsn) : Request
    {
        internal long CheckpointLsn { get; } = checkpointLsn;
    }

    private sealed class FlushTick
    {
        internal static readonly FlushTick Instance = new();
    }
}

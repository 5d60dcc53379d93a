using System.Diagnostics;
using FluxMap.Diagnostics;
using FluxMap.Serialization;
using Microsoft.Extensions.Logging;

namespace FluxMap.Durability;

/// <summary>
/// The write-ahead log's single writer, on a thread of its own so that committers that keep every
/// thread-pool thread busy cannot starve it. Commits arrive in commit order, already encoded; the
/// writer takes everything queued, frames it into one buffer, writes it with one call and, in Full
/// mode, acknowledges every commit of the batch after one sync (group commit). In Relaxed mode
/// commits are acknowledged on arrival and the log is synced on the first of the interval,
/// commit-count and byte triggers; a commit that would leave more than twice FlushAfterCommits
/// commits, or twice FlushAfterBytes bytes, acknowledged but unsynced waits for its own sync, so a
/// crash never loses more than that window. Synced commits go on to the subscriber (the data file).
/// Checkpoints release the segments they cover; the writer recycles them into a pool of at most
/// WalPoolSize files (live and pooled), so with checkpoints keeping up the log's disk use stays
/// bounded and rotation renames a file instead of allocating one.
/// </summary>
internal sealed class WalWriter<TKey, TValue> : ICommitLog<TKey, TValue>
    where TKey : notnull
{
    // How long the writer spins for the next commit before it sleeps: 50 microseconds.
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    private readonly object _queueGate = new();
    private readonly StorageSystem _storage;
    private readonly string _directory;
    private readonly long _segmentSize;
    private readonly int _poolSize;
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
    private readonly ByteBuffer _batch = new(64 * 1024);
    private readonly ITimer? _flushTimer;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<WalSegmentInfo> _finished;
    private readonly List<WalPoolFile> _pool;

    // Written but not yet synced, in commit order: handed to the subscriber by the sync that covers them.
    private readonly List<CommitRecord<TKey, TValue>> _unsynced = [];
    private List<object> _incoming = [];
    private List<object> _requests = [];
    private bool _writerWaiting;

    // Set when work is queued, cleared when the writer takes it: read without the lock while the
    // writer spins for the next commit (see TakeAll).
    private volatile bool _hasIncoming;
    private bool _closed;
    private WalSegment _segment;
    private long _lastSequence;
    private long _diskBytes;
    private int _segmentCount;
    private long _lastLsn;
    private long _durableLsn;
    private long _publishedLsn;
    private long _lastAppended;
    private int _unsyncedCommits;
    private long _unsyncedBytes;

    // The window: appended counts belong to committers (under the commit lock), synced ones to the writer.
    private long _appendedCommits;
    private long _appendedBytes;
    private long _writtenCommits;
    private long _writtenBytes;
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
        _lastLsn = _durableLsn = _publishedLsn = _lastAppended = recovered.LastLsn;
        _publishDurable = publishDurable;
        _subscriber = subscriber;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "FluxMap log writer" };
        _thread.Start();
        if (!_full)
        {
            _flushTimer = timeProvider.CreateTimer(static state => ((WalWriter<TKey, TValue>)state!).TryEnqueue(FlushTick.Instance), this, options.FlushInterval, options.FlushInterval);
        }
    }

    public bool PublishesWhenDurable => _full;

    public long DurableTimestamp => Volatile.Read(ref _durableLsn);

    public FluxMapIOException? Failure => _failure;

    /// <summary>Gets the bytes of every log file: live segments and pooled ones.</summary>
    public long DiskBytes => Volatile.Read(ref _diskBytes);

    /// <summary>Gets the number of live segments, the one being written included.</summary>
    public int SegmentCount => Volatile.Read(ref _segmentCount);

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

        Disposed.ThrowIf(!TryEnqueue(record), typeof(FluxDatabase<TKey, TValue>));
        Volatile.Write(ref _lastAppended, record.Timestamp);
        return record.Durable is { } durable ? new ValueTask(durable.Task) : default;
    }

    /// <summary>Writes and syncs everything queued so far.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => SubmitAsync(new FlushRequest(), cancellationToken);

    /// <summary>
    /// Retires every segment but the current one whose records all have LSNs at or below
    /// <paramref name="checkpointLsn"/>, which a checkpoint has made safe elsewhere; completes once
    /// the directory says so durably. The writer's own task does the file work, so it never races
    /// a rotation.
    /// </summary>
    public Task ReleaseThroughAsync(long checkpointLsn, CancellationToken cancellationToken) =>
        SubmitAsync(new ReleaseRequest(checkpointLsn), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_flushTimer is not null)
        {
            await _flushTimer.DisposeAsync().ConfigureAwait(false);
        }

        lock (_queueGate)
        {
            _closed = true;
            if (_writerWaiting)
            {
                Monitor.Pulse(_queueGate);
            }
        }

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

        Disposed.ThrowIf(!TryEnqueue(request), typeof(FluxDatabase<TKey, TValue>));
        return request.Completion.Task.WaitAsync(cancellationToken);
    }

    private bool TryEnqueue(object item)
    {
        lock (_queueGate)
        {
            if (_closed)
            {
                return false;
            }

            _incoming.Add(item);
            _hasIncoming = true;
            if (_writerWaiting)
            {
                Monitor.Pulse(_queueGate);
            }

            return true;
        }
    }

    // Blocks the writer's thread until there is work, then takes all of it; false once closed and drained.
    // After a batch it first spins a little: a committer that awaits each commit appends its next
    // one a few microseconds after its acknowledgement, and waking a sleeping thread costs more
    // than that (the price of a thread of its own, measured in docs/benchmarks.md).
    private bool TakeAll()
    {
        if (_requests.Count > 0 && Environment.ProcessorCount > 1)
        {
            SpinForWork();
        }

        _requests.Clear();
        lock (_queueGate)
        {
            while (_incoming.Count == 0)
            {
                if (_closed)
                {
                    return false;
                }

                _writerWaiting = true;
                Monitor.Wait(_queueGate);
                _writerWaiting = false;
            }

            (_requests, _incoming) = (_incoming, _requests);
            _hasIncoming = false;
        }

        return true;
    }

    private void SpinForWork()
    {
        var until = Stopwatch.GetTimestamp() + SpinTicks;
        while (!_hasIncoming && Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }
    }

    private void Run()
    {
        while (TakeAll())
        {
            Process();
        }

        // Closing: whatever was written reaches the disk before the files close.
        if (_failure is null && _unsyncedCommits > 0)
        {
            _requests.Clear();
            _requests.Add(new FlushRequest());
            Process();
        }

        _stopped.TrySetResult();
    }

    private void Process()
    {
        if (_failure is not null)
        {
            Complete(long.MinValue, _failure);
            return;
        }

        try
        {
            var commits = 0;
            var syncRequested = false;
            foreach (var request in _requests)
            {
                switch (request)
                {
                    case CommitRecord<TKey, TValue> record:
                        Frame(record);
                        _unsynced.Add(record);
                        commits++;
                        syncRequested |= record.Durable is not null;
                        break;
                    case FlushRequest or FlushTick:
                        syncRequested = true;
                        break;
                    case ReleaseRequest release:
                        Release(release.CheckpointLsn);
                        break;
                }
            }

            WriteBatch();
            _unsyncedCommits += commits;
            if (_unsyncedCommits > 0 && (_full || syncRequested || _unsyncedCommits >= _flushAfterCommits || _unsyncedBytes >= _flushAfterBytes))
            {
                Sync();
            }

            Complete(long.MaxValue, null);
        }
        catch (Exception e)
        {
            // Any failure here leaves the log's tail unknown: fail closed rather than acknowledge
            // anything after it, and never retry a failed sync (the kernel may have dropped the pages). What a sync before
            // the failure covered (a rotation syncs the finished segment) is durable all the same.
            _failure = new FluxMapIOException(
                $"Writing the write-ahead log in '{_directory}' failed, so the database no longer accepts commits; commits not yet acknowledged were not made durable. Reopen the database to recover. ({e.GetType().Name}: {e.Message})",
                e);
            Complete(_durableLsn, _failure);
            Log.WalFailed(_logger, _directory, e);
        }
    }

    // Acknowledges the batch's commits up to `durableUpTo` (publishing them first in Full mode)
    // and fails the rest, and the waiting requests, with `failure` when there is one.
    private void Complete(long durableUpTo, FluxMapIOException? failure)
    {
        var published = Math.Min(durableUpTo, _durableLsn);
        if (_full && published > _publishedLsn)
        {
            _publishDurable(published);
            _publishedLsn = published;
        }

        foreach (var request in _requests)
        {
            switch (request)
            {
                case CommitRecord<TKey, TValue> { Durable: { } durable } record:
                    if (record.Timestamp <= published)
                    {
                        durable.TrySetResult();
                    }
                    else
                    {
                        durable.TrySetException(new FluxMapIOException(failure!.Message, failure));
                    }

                    break;
                case Request waiting when failure is null:
                    waiting.Completion.TrySetResult();
                    break;
                case Request waiting:
                    waiting.Completion.TrySetException(new FluxMapIOException(failure.Message, failure));
                    break;
            }
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
            Sync();
            Rotate(Math.Max(_segmentSize, WalFormat.SegmentHeaderSize + size));
        }

        var span = _batch.GetSpan(size)[..size];
        record.Payload.CopyTo(span[payloadStart..]);
        WalFormat.SealRecord(span, record.Timestamp, _durableLsn, WalFormat.CommitKind);
        _batch.Advance(size);
        _lastLsn = record.Timestamp;
        _writtenCommits++;
        _writtenBytes += record.Payload.Length;

        // Write large batches in pieces, so the buffer stays small however big the values.
        if (_batch.Count >= 1 << 20)
        {
            WriteBatch();
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
    }

    private void WriteBatch()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        // The end mark goes out with the records (as far as the segment has room for it), so a
        // synced tail always ends in one.
        var count = _batch.Count;
        var mark = (int)Math.Min(WalFormat.RecordHeaderSize, _segment.Remaining - count);
        _batch.GetSpan(mark)[..mark].Clear();
        _batch.Advance(mark);
        _segment.File.Write(_batch.Written, _segment.Position);
        _segment.Position += count;
        _unsyncedBytes += count;
        Volatile.Write(ref _counters.WalBytes, _counters.WalBytes + count);
        _batch.Truncate(0);
    }

    private void Sync()
    {
        var started = Stopwatch.GetTimestamp();
        _segment.File.Sync();
        _metrics.RecordSync(Stopwatch.GetElapsedTime(started));
        Volatile.Write(ref _counters.WalSyncs, _counters.WalSyncs + 1);
        Volatile.Write(ref _durableLsn, _lastLsn);
        Volatile.Write(ref _syncedCommits, _writtenCommits);
        Volatile.Write(ref _syncedBytes, _writtenBytes);
        _unsyncedCommits = 0;
        _unsyncedBytes = 0;
        foreach (var record in _unsynced)
        {
            _subscriber?.Accept(record);
        }

        _unsynced.Clear();
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

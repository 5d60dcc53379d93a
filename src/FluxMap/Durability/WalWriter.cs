using System.Diagnostics;
using System.Threading.Channels;
using FluxMap.DataFile;
using FluxMap.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FluxMap.Durability;

/// <summary>
/// The write-ahead log's single writer. Commits arrive through a channel in commit order; the
/// writer takes everything queued, frames it into one buffer, writes it with one call and, in
/// Full mode, acknowledges every commit of the batch after one sync (group commit). In Relaxed
/// mode commits are acknowledged on arrival and the log is synced on the first of the interval,
/// commit-count and byte triggers.
/// </summary>
internal sealed class WalWriter<TKey, TValue> : ICommitLog<TKey, TValue>, IAsyncDisposable
    where TKey : notnull
{
    private const int MaxBatchRecords = 4096;
    private const int MaxBatchBytes = 1 << 20;

    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StorageSystem _storage;
    private readonly string _directory;
    private readonly long _segmentSize;
    private readonly bool _full;
    private readonly int _flushAfterCommits;
    private readonly long _flushAfterBytes;
    private readonly WalCodec<TKey, TValue> _codec;
    private readonly Action<long> _publishDurable;
    private readonly ILogger _logger;
    private readonly EngineCounters _counters;
    private readonly FluxMetrics _metrics;
    private readonly ByteBuffer _batch = new(64 * 1024);
    private readonly List<object> _requests = [];
    private readonly ITimer? _flushTimer;
    private readonly Task _loop;
    private WalSegment _segment;
    private long _lastLsn;
    private long _durableLsn;
    private long _publishedLsn;
    private long _lastAppended;
    private int _unsyncedCommits;
    private long _unsyncedBytes;
    private volatile FluxMapIOException? _failure;

    internal WalWriter(
        StorageSystem storage,
        string directory,
        FluxMapOptions options,
        WalCodec<TKey, TValue> codec,
        WalSegment segment,
        long lastLsn,
        Action<long> publishDurable,
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
        _full = options.Durability == DurabilityMode.Full;
        _flushAfterCommits = options.FlushAfterCommits;
        _flushAfterBytes = options.FlushAfterBytes;
        _codec = codec;
        _segment = segment;
        _lastLsn = _durableLsn = _publishedLsn = _lastAppended = lastLsn;
        _publishDurable = publishDurable;
        _logger = logger;
        if (!_full)
        {
            _flushTimer = timeProvider.CreateTimer(static state => ((Channel<object>)state!).Writer.TryWrite(FlushTick.Instance), _queue, options.FlushInterval, options.FlushInterval);
        }

        _loop = Task.Run(RunAsync);
    }

    /// <summary>The write-behind data file each commit is handed to once framed; set before the first commit.</summary>
    internal DataFileStore<TKey, TValue>? WriteBehind { get; set; }

    internal int SegmentCount => _full ? 1 : 1;
    internal long DiskBytes => _full ? 0 : 0;
    internal Task ReleaseThroughAsync(long lsn, CancellationToken ct) => _full ? Task.CompletedTask : Task.CompletedTask;

    public bool PublishesWhenDurable => _full;

    public long DurableTimestamp => Volatile.Read(ref _durableLsn);

    public FluxMapIOException? Failure => _failure;

    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new FluxMapIOException(failure.Message, failure);
        }
    }

    public ValueTask Append(CommitRecord<TKey, TValue> record)
    {
        if (_full)
        {
            record.Durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(record), typeof(FluxDatabase<TKey, TValue>));
        Volatile.Write(ref _lastAppended, record.Timestamp);

        return record.Durable is { } durable ? new ValueTask(durable.Task) : default;
    }

    /// <summary>Writes and syncs everything queued so far.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var request = new FlushRequest();
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(request), typeof(FluxDatabase<TKey, TValue>));
        return request.Completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_flushTimer is not null)
        {
            await _flushTimer.DisposeAsync().ConfigureAwait(false);
        }

        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _segment.Dispose();

        // Relaxed commits were acknowledged before they were synced: say so if some never were.
        if (!_full && _failure is { } failure && Volatile.Read(ref _lastAppended) > _durableLsn)
        {
            throw new FluxMapIOException(
                $"The database closed without syncing commits up to LSN {Volatile.Read(ref _lastAppended)} (synced up to {_durableLsn}): {failure.Message}", failure);
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _requests.Clear();
            while (_requests.Count < MaxBatchRecords && reader.TryRead(out var request))
            {
                _requests.Add(request);
            }

            Process();
        }

        // Closing: whatever was written reaches the disk before the files close.
        if (_failure is null && _unsyncedCommits > 0)
        {
            _requests.Clear();
            _requests.Add(new FlushRequest());
            Process();
        }
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
                        commits++;

                        // Write large batches in pieces, so the buffer stays small however big the values.
                        if (_batch.Count >= MaxBatchBytes)
                        {
                            WriteBatch();
                        }

                        break;
                    case FlushRequest or FlushTick:
                        syncRequested = true;
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
            // Any failure here (I/O, or a value the serializer rejects) leaves the log's tail
            // unknown: fail closed rather than acknowledge anything after it. What a sync before
            // the failure covered (a rotation syncs the finished segment) is durable all the same.
            _failure = new FluxMapIOException(
                $"Writing the write-ahead log in '{_directory}' failed, so the database no longer accepts commits; commits not yet acknowledged were not made durable. Reopen the database to recover. ({e.GetType().Name}: {e.Message})",
                e);
            Complete(_durableLsn, _failure);
            Log.WalFailed(_logger, _directory, e);
        }
    }

    // Acknowledges the batch's commits up to `durableUpTo` (publishing them first in Full mode)
    // and fails the rest, and the flush requests, with `failure` when there is one.
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
                case FlushRequest flush when failure is null:
                    flush.Completion.TrySetResult();
                    break;
                case FlushRequest flush:
                    flush.Completion.TrySetException(new FluxMapIOException(failure.Message, failure));
                    break;
            }
        }
    }

    private void Frame(CommitRecord<TKey, TValue> record)
    {
        var start = _batch.Count;
        _batch.GetSpan(WalFormat.RecordHeaderSize + WalFormat.BodyPrefixSize);
        _batch.Advance(WalFormat.RecordHeaderSize + WalFormat.BodyPrefixSize);
        _codec.WritePayload(_batch, record);
        var size = _batch.Count - start;

        // Records never span segments: when this one does not fit, finish the segment without it.
        if (_segment.Position + _batch.Count > _segment.File.Length)
        {
            var bytes = _batch.Written[start..].ToArray();
            _batch.Truncate(start);
            WriteBatch();
            Sync();
            var next = WalSegment.Create(_storage, _directory, _segment.Sequence + 1, Math.Max(_segmentSize, WalFormat.SegmentHeaderSize + size));
            _segment.Dispose();
            _segment = next;
            bytes.CopyTo(_batch.GetSpan(size));
            _batch.Advance(size);
            start = 0;
        }

        WalFormat.SealRecord(_batch.Written.Slice(start, size), record.Timestamp, _durableLsn, WalFormat.CommitKind);
        const int payloadStart = WalFormat.RecordHeaderSize + WalFormat.BodyPrefixSize;
        WriteBehind?.Accept(record, _batch.WrittenMemory.Slice(start + payloadStart, size - payloadStart));
        _lastLsn = record.Timestamp;
    }

    private void WriteBatch()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        _segment.File.Write(_batch.Written, _segment.Position);
        _segment.Position += _batch.Count;
        _unsyncedBytes += _batch.Count;
        Volatile.Write(ref _counters.WalBytes, _counters.WalBytes + _batch.Count);
        _batch.Truncate(0);
    }

    private void Sync()
    {
        var started = Stopwatch.GetTimestamp();
        _segment.File.Sync();
        _metrics.RecordSync(Stopwatch.GetElapsedTime(started));
        Volatile.Write(ref _counters.WalSyncs, _counters.WalSyncs + 1);
        Volatile.Write(ref _durableLsn, _lastLsn);
        _unsyncedCommits = 0;
        _unsyncedBytes = 0;
    }

    private sealed class FlushRequest
    {
        internal TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class FlushTick
    {
        internal static readonly FlushTick Instance = new();
    }
}

using FluxMap.Serialization;

namespace FluxMap.DataFile;

/// <summary>
/// One write-behind buffer and the index of where its keys' newest records are. A key always
/// lands in the same shard, so a shard sees each key's changes in commit order and a flush can
/// write just the newest change of each key in its batch.
/// </summary>
internal sealed class WriteBehindShard<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private const int KeptBufferBytes = 1 << 20;

    // A buffer may hold this many flush batches before the log waits for it.
    private const int BoundFactor = 4;

    private readonly DataFileStore<TKey, TValue> _file;
    private readonly Lock _pendingGate = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly Dictionary<TKey, RecordLocation<TKey>> _index;
    private readonly HashSet<TKey> _seen;
    private readonly ByteBuffer _output = new(64 * 1024);
    private readonly List<int> _kept = [];
    private ByteBuffer _bytes = new(64 * 1024);
    private ByteBuffer _spareBytes = new(64 * 1024);
    private List<PendingWrite> _writes = [];
    private List<PendingWrite> _spareWrites = [];
    private long _flushedThrough;
    private int _flushScheduled;
    private bool _closed;

    internal WriteBehindShard(DataFileStore<TKey, TValue> file, IEqualityComparer<TKey> equality)
    {
        _file = file;
        _index = new Dictionary<TKey, RecordLocation<TKey>>(equality);
        _seen = new HashSet<TKey>(equality);
    }

    /// <summary>Every change handed to this shard up to this commit is in an extent (synced by the next checkpoint).</summary>
    internal long FlushedThrough => Volatile.Read(ref _flushedThrough);

    /// <summary>Queues a change and says how full the buffer is now.</summary>
    internal BufferLevel Add(TKey key, long timestamp, bool isDelete, ReadOnlySpan<byte> entry)
    {
        lock (_pendingGate)
        {
            var offset = _bytes.Count;
            entry.CopyTo(_bytes.GetSpan(entry.Length));
            _bytes.Advance(entry.Length);
            _writes.Add(new PendingWrite(key, timestamp, isDelete, offset, entry.Length));
            return _writes.Count >= BoundFactor * _file.MaxBatchEntries || _bytes.Count >= BoundFactor * _file.MaxBatchBytes ? BufferLevel.Full
                : _writes.Count >= _file.MaxBatchEntries || _bytes.Count >= _file.MaxBatchBytes ? BufferLevel.FlushDue
                : BufferLevel.Filling;
        }
    }

    /// <summary>
    /// Flushes on the calling thread (the log's writer): the buffer outgrew its bound because
    /// flushes fall behind, and the log must wait for them rather than let the buffer grow.
    /// </summary>
    internal void FlushNow()
    {
        try
        {
            FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is FluxMapIOException or ObjectDisposedException)
        {
            // As for a scheduled flush: the store recorded the failure and the log keeps every change.
        }
    }

    /// <summary>Runs a flush on the thread pool unless one is already scheduled.</summary>
    internal void ScheduleFlush()
    {
        if (!Volatile.Read(ref _closed) && Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            _ = Task.Run(async () =>
            {
                Volatile.Write(ref _flushScheduled, 0);
                try
                {
                    await FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is FluxMapIOException or ObjectDisposedException)
                {
                    // The store recorded the failure (checkpoints stop and the log keeps every
                    // change), or the database closed under the flush.
                }
            });
        }
    }

    /// <summary>Writes the newest queued change of each key as one extent.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            _file.ThrowIfFailed();
            List<PendingWrite> writes;
            ByteBuffer bytes;
            long mark;
            lock (_pendingGate)
            {
                // Read under the lock: a change the log handed over before this mark is in this batch or an earlier one.
                mark = _file.HandedThrough;
                (writes, _writes, _spareWrites) = (_writes, _spareWrites, _writes);
                (bytes, _bytes, _spareBytes) = (_bytes, _spareBytes, _bytes);
            }

            try
            {
                if (writes.Count > 0)
                {
                    Write(writes, bytes);
                }
            }
            catch (Exception e)
            {
                // The batch is gone from the buffers: no checkpoint may claim it now, so the log
                // keeps it, whatever the failure was.
                throw _file.Fail(e);
            }
            finally
            {
                writes.Clear();
                bytes.Reset(KeptBufferBytes);
                _output.Reset(KeptBufferBytes);
            }

            Volatile.Write(ref _flushedThrough, Math.Max(mark, _flushedThrough));
        }
        finally
        {
            _flushGate.Release();
        }
    }

    /// <summary>
    /// Pins the key's record if it holds the version committed at <paramref name="timestamp"/>:
    /// under the index lock the record is live, so its extent cannot be freed before the pin.
    /// </summary>
    internal bool TryPin(TKey key, long timestamp, out RecordLocation<TKey> location)
    {
        lock (_index)
        {
            if (_index.TryGetValue(key, out location) && location.Timestamp == timestamp)
            {
                location.Extent.Pin();
                return true;
            }

            return false;
        }
    }

    /// <summary>At open: everything up to the checkpoint is in the file.</summary>
    internal void MarkFlushed(long lsn) => Volatile.Write(ref _flushedThrough, lsn);

    internal bool TryGetLocation(TKey key, out RecordLocation<TKey> location)
    {
        lock (_index)
        {
            return _index.TryGetValue(key, out location);
        }
    }

    /// <summary>
    /// Makes <paramref name="location"/> the key's newest record if <paramref name="expected"/> still
    /// is (a compaction moving it); otherwise the new copy is dead on arrival.
    /// </summary>
    internal void Move(TKey key, RecordLocation<TKey> expected, RecordLocation<TKey> location)
    {
        lock (_index)
        {
            if (_index.TryGetValue(key, out var current) && current == expected)
            {
                _index[key] = location;
                _file.MarkDead(expected);
            }
            else
            {
                _file.MarkDead(location);
            }
        }
    }

    /// <summary>At open: the key's newest record.</summary>
    internal void Load(TKey key, RecordLocation<TKey> location)
    {
        lock (_index)
        {
            _index[key] = location;
        }
    }

    internal void Reserve(int keys)
    {
        lock (_index)
        {
            _index.EnsureCapacity(keys);
        }
    }

    /// <summary>Waits for a flush in progress and refuses later ones: the file is about to close.</summary>
    internal async Task CloseAsync()
    {
        await _flushGate.WaitAsync().ConfigureAwait(false);
        Volatile.Write(ref _closed, true);
        _flushGate.Release();
    }

    public void Dispose() => _flushGate.Dispose();

    private void Write(List<PendingWrite> writes, ByteBuffer bytes)
    {
        // Newest change of each key only: walk the batch from its end.
        _seen.Clear();
        _kept.Clear();
        var puts = 0;
        for (var i = writes.Count - 1; i >= 0; i--)
        {
            if (_seen.Add(writes[i].Key))
            {
                _kept.Add(i);
                puts += writes[i].IsDelete ? 0 : 1;
            }
        }

        RecordLocation<TKey>[]? locations = null;
        if (puts > 0)
        {
            var keys = new TKey[puts];
            var timestamps = new long[puts];
            var offsets = new int[puts];
            _output.Truncate(0);
            var n = 0;
            foreach (var i in _kept)
            {
                var write = writes[i];
                if (write.IsDelete)
                {
                    continue;
                }

                var size = DataFileFormat.RecordPrefixSize + write.Length;
                var record = _output.GetSpan(size)[..size];
                bytes.Written.Slice(write.Offset, write.Length).CopyTo(record[DataFileFormat.RecordPrefixSize..]);
                DataFileFormat.SealRecord(record, write.Timestamp);
                keys[n] = write.Key;
                timestamps[n] = write.Timestamp;
                offsets[n++] = _output.Count;
                _output.Advance(size);
            }

            locations = _file.WriteRecords(_output, keys, timestamps, offsets);
        }

        // The new extents are listed before any older record is marked dead, so a checkpoint taken
        // in between sees both (open keeps the newer) and never neither.
        lock (_index)
        {
            var n = 0;
            foreach (var i in _kept)
            {
                var write = writes[i];
                if (_index.Remove(write.Key, out var old))
                {
                    _file.MarkDead(old);
                }

                if (!write.IsDelete)
                {
                    _index[write.Key] = locations![n++];
                }
            }
        }
    }

    private readonly record struct PendingWrite(TKey Key, long Timestamp, bool IsDelete, int Offset, int Length);
}

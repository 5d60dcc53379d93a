using System.Buffers;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using FluxMap.Diagnostics;
using FluxMap.Durability;
using FluxMap.Serialization;
using FluxMap.Storage;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FluxMap.DataFile;

/// <summary>
/// The write-behind data file: the newest committed record of every key, written in the
/// background in batches, so a checkpoint is cheap, the write-ahead log can give back what the
/// checkpoint covers, and an open loads the live records and replays only the log's tail.
/// </summary>
/// <remarks>
/// A checkpoint at LSN L makes durable a table of the extents in use and which of their records
/// are live. Open reads only what the newest table lists, so space freed later can be reused
/// without ever being misread; a freed extent is handed back to the allocator only once a
/// checkpoint that no longer lists it is durable. A delete needs no record: it marks the key's
/// record dead, and the next table leaves it out.
/// </remarks>
internal sealed class DataFileStore<TKey, TValue> : ICommitSubscriber<TKey, TValue>, IDisposable
    where TKey : notnull
{
    // A compaction copy this large fills a free run freed extents leave without stranding much of it.
    private const int MaxCopyBytes = 256 << 10;

    // Fewer keys than this sort faster on one thread than split over two.
    private const int ParallelSortMinimum = 16 << 10;

    private readonly StorageSystem _storage;
    private readonly StorageFile _file;
    private readonly string _path;
    private readonly WalCodec<TKey, TValue> _codec;
    private readonly IEqualityComparer<TKey> _equality;
    private readonly IComparer<TKey> _comparer;
    private readonly ILogger _logger;
    private readonly EngineCounters _counters;
    private readonly WriteBehindShard<TKey, TValue>[] _shards;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);

    // Held by compaction from listing a copy until every copied record is resolved (moved, or dead
    // on arrival), and by a checkpoint while it takes its snapshot: a table never lists a copy
    // as live whose original a later delete already superseded.
    private readonly SemaphoreSlim _moveGate = new(1, 1);
    private readonly HashSet<Extent<TKey>> _extents = [];
    private readonly CompactionPolicy _compaction;

    // Under a memory limit open leaves lasting values in the file, loading keys and locations only.
    private readonly bool _pagedLoad;
    private readonly ByteBuffer _entry = new(256);
    private ExtentAllocator _allocator;
    private List<Extent<TKey>> _freed = [];
    private List<(long Start, int Blocks)> _releasing = [];
    private DataFileHeader _header = new(0, 0, 0, 0, 0, DataFileFormat.FirstDataBlock);
    private long _fileLength;
    private long _handedThrough;
    private volatile FluxMapIOException? _failure;

    private DataFileStore(StorageSystem storage, StorageFile file, string path, FluxMapOptions options, WalCodec<TKey, TValue> codec, KeyOrdering<TKey> keys, ILogger logger, EngineCounters counters)
    {
        _storage = storage;
        _file = file;
        _path = path;
        _codec = codec;
        _equality = keys.Equality;
        _comparer = keys.Comparer;
        _logger = logger;
        _counters = counters;
        _compaction = new CompactionPolicy(options.CompactionThreshold);
        _pagedLoad = options.MemoryLimit > 0;
        MaxBatchEntries = options.WriteBehindMaxEntries;
        MaxBatchBytes = options.WriteBehindMaxBytes;
        _fileLength = file.Length;
        _allocator = new ExtentAllocator(DataFileFormat.FirstDataBlock);
        var shards = options.WriteBehindShards > 0 ? options.WriteBehindShards : Math.Max(1, Environment.ProcessorCount / 2);
        _shards = new WriteBehindShard<TKey, TValue>[shards];
        for (var i = 0; i < shards; i++)
        {
            _shards[i] = new WriteBehindShard<TKey, TValue>(this, keys.Equality);
        }
    }

    internal int MaxBatchEntries { get; }

    internal long MaxBatchBytes { get; }

    /// <summary>Every change the log handed over up to this commit is in a shard's buffer or written.</summary>
    internal long HandedThrough => Volatile.Read(ref _handedThrough);

    internal long CheckpointLsn => Volatile.Read(ref _header).CheckpointLsn;

    internal FluxMapIOException? Failure => _failure;

    /// <summary>Test seam: runs on the log's writer when a write-behind buffer is past its bound, before the writer waits for its flush.</summary>
    internal Action? WriterWaitsForFlush { get; set; }

    /// <summary>Test seam: runs after compaction listed a copy of live records, before their keys point at it.</summary>
    internal Action? CompactionCopyListed { get; set; }

    internal string Path => _path;

    internal long FileBytes
    {
        get
        {
            lock (_gate)
            {
                return _allocator.EndBlock * DataFileFormat.BlockSize;
            }
        }
    }

    internal long LiveBytes
    {
        get
        {
            lock (_gate)
            {
                return _extents.Sum(e => e.LiveBytes);
            }
        }
    }

    /// <summary>
    /// Opens or creates the data file in <paramref name="directory"/> and hands every live record
    /// to <paramref name="loader"/>, in key order, one record per key; under a memory limit values
    /// without a time-to-live come as paged-out versions. With <paramref name="readOnly"/> the file
    /// must exist and is only read: the store then must take no commits and no checkpoint.
    /// </summary>
    internal static DataFileStore<TKey, TValue> Open(
        StorageSystem storage,
        string directory,
        FluxMapOptions options,
        WalCodec<TKey, TValue> codec,
        KeyOrdering<TKey> keys,
        ILogger logger,
        EngineCounters counters,
        IRecordLoader<TKey, TValue> loader,
        IProgress<OpenProgress>? progress,
        bool readOnly,
        CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(directory, DataFileFormat.FileName);
        var exists = readOnly || storage.ListFiles(directory, DataFileFormat.FileName + "*").Contains(DataFileFormat.FileName);
        var file = readOnly ? storage.OpenRead(path) : storage.Open(path, create: !exists);
        try
        {
            var store = new DataFileStore<TKey, TValue>(storage, file, path, options, codec, keys, logger, counters);
            store.Load(directory, exists, readOnly, loader, progress, cancellationToken);
            return store;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    internal void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new FluxMapIOException(failure.Message, failure);
        }
    }

    /// <summary>Records an I/O failure: no checkpoint after it, so the log keeps every change and a reopen recovers them.</summary>
    internal FluxMapIOException Fail(Exception e)
    {
        var failure = new FluxMapIOException(
            $"Writing the data file '{_path}' failed, so checkpoints stopped: the write-ahead log keeps every commit and grows until the database is reopened. ({e.GetType().Name}: {e.Message})",
            e);
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
        {
            Diagnostics.Log.DataFileFailed(_logger, _path, e);
        }

        return _failure!;
    }

    /// <summary>
    /// Takes a durable commit's writes from the log, in commit order, as the committer encoded
    /// them: each entry is copied to its key's shard.
    /// </summary>
    public void Accept(CommitRecord<TKey, TValue> record)
    {
        var payload = record.Payload;
        var reader = new MessagePackReader(payload);
        var count = reader.ReadArrayHeader();
        var keys = record.Keys;
        for (var i = 0; i < count; i++)
        {
            var start = (int)reader.Consumed;
            var isDelete = WalCodec<TKey, TValue>.SkipEntry(ref reader);
            Hand(keys is null ? record.Key : keys[i], record.Timestamp, isDelete, payload.AsSpan(start..(int)reader.Consumed));
        }

        Volatile.Write(ref _handedThrough, record.Timestamp);
    }

    /// <summary>After open: hands over the state of each key the log's tail changed, so the next checkpoint covers the tail.</summary>
    internal void AcceptReplayed(IReadOnlyCollection<TKey> keys, VersionedSkipList<TKey, TValue> store, long lastLsn)
    {
        // Replay wrote each of these keys' newest version in memory: none of them is paged out.
        foreach (var key in keys)
        {
            _entry.Truncate(0);
            var head = store.Find(key)?.Head;
            var isDelete = head is null || head.IsTombstone;
            _codec.WriteEntry(_entry, key, isDelete ? default! : head!.Value, isDelete, head?.ExpiresAt ?? 0);
            Hand(key, head?.Timestamp ?? lastLsn, isDelete, _entry.Written);
        }

        Volatile.Write(ref _handedThrough, lastLsn);
    }

    internal async Task FlushAllAsync(CancellationToken cancellationToken)
    {
        foreach (var shard in _shards)
        {
            await shard.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes the data file cover every change up to the slowest shard's flush mark.
    /// <paramref name="flushFirst"/> flushes every buffer first, so the checkpoint covers
    /// everything handed over so far. The log gives back what the checkpoint covers afterwards
    /// (see <see cref="CheckpointCoordinator{TKey, TValue}"/>).
    /// </summary>
    /// <returns>The checkpoint LSN.</returns>
    internal async Task<long> CheckpointAsync(bool flushFirst, CancellationToken cancellationToken)
    {
        await _checkpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFailed();
            if (flushFirst)
            {
                await FlushAllAsync(cancellationToken).ConfigureAwait(false);
            }

            long lsn;
            List<ExtentImage> images;
            List<Extent<TKey>> freed;
            await _moveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lsn = _shards.Min(s => s.FlushedThrough);
                lock (_gate)
                {
                    if (lsn <= _header.CheckpointLsn && _freed.Count == 0)
                    {
                        return _header.CheckpointLsn;
                    }

                    images = [.. _extents.Select(e => e.Image()).OrderBy(e => e.Start)];
                    (freed, _freed) = (_freed, []);
                }
            }
            finally
            {
                _moveGate.Release();
            }

            // Every record the table lists came from a commit the log handed over once durable,
            // so the data file can never be ahead of the log after a crash.
            var header = WriteCheckpoint(lsn, images, freed);

            return header.CheckpointLsn;
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    /// <summary>
    /// Moves the live records of the sparsest extents into new ones, as much as keeps the file
    /// within its bound (see <see cref="CompactionPolicy"/>). Commits never wait for it; a record a
    /// newer write supersedes meanwhile stays the newer one.
    /// </summary>
    /// <returns>How many records moved.</returns>
    internal int Compact()
    {
        ThrowIfFailed();
        List<Extent<TKey>> victims;
        lock (_gate)
        {
            victims = _compaction.ChooseVictims(_extents);
        }

        if (victims.Count == 0)
        {
            return 0;
        }

        int moved;
        try
        {
            moved = Move(victims);
        }
        catch (Exception e)
        {
            // A copy may be listed with records still unresolved (live twice over); a later delete
            // of such a key would leave the copy live. No checkpoint may follow, whatever failed.
            throw Fail(e);
        }

        if (moved > 0)
        {
            Volatile.Write(ref _counters.Compactions, _counters.Compactions + 1);
        }

        return moved;
    }

    /// <summary>
    /// Writes a batch of framed records and lists it: as one extent where a free run holds it (or
    /// none is free), else cut at record boundaries over the largest free runs, so free space too
    /// scattered for the whole batch is filled before the file grows.
    /// </summary>
    /// <param name="records">The records back to back; padded here to whole blocks.</param>
    /// <param name="keys">Each record's key.</param>
    /// <param name="timestamps">Each record's commit timestamp.</param>
    /// <param name="offsets">Where each record starts in <paramref name="records"/>.</param>
    /// <param name="isCopy">Compaction's copy rather than a write-behind flush.</param>
    /// <returns>Where each record of the batch is now.</returns>
    internal RecordLocation<TKey>[] WriteRecords(ByteBuffer records, TKey[] keys, long[] timestamps, int[] offsets, bool isCopy = false)
    {
        var used = records.Count;
        var padding = (DataFileFormat.BlocksFor(used) * DataFileFormat.BlockSize) - used;
        records.GetSpan(padding)[..padding].Clear();
        records.Advance(padding);
        var pieces = AllocatePieces(offsets, used, isCopy);
        try
        {
            if (pieces.Count == 1)
            {
                _file.Write(records.Written, pieces[0].Start * DataFileFormat.BlockSize);
            }
            else
            {
                foreach (var (start, first, end) in pieces)
                {
                    WritePadded(records.Written.Slice(offsets[first], PieceBytes(offsets, used, first, end)), start);
                }
            }
        }
        catch
        {
            // Never listed by a checkpoint: the space can go straight back.
            lock (_gate)
            {
                foreach (var (start, first, end) in pieces)
                {
                    _allocator.Release(start, DataFileFormat.BlocksFor(PieceBytes(offsets, used, first, end)));
                }
            }

            throw;
        }

        var extents = new Extent<TKey>[pieces.Count];
        for (var p = 0; p < pieces.Count; p++)
        {
            var (start, first, end) = pieces[p];
            var bytes = PieceBytes(offsets, used, first, end);
            extents[p] = pieces.Count == 1
                ? new Extent<TKey>(start, DataFileFormat.BlocksFor(used), used, keys, timestamps, offsets, Extent<TKey>.AllLive(keys.Length))
                : new Extent<TKey>(start, DataFileFormat.BlocksFor(bytes), bytes, keys[first..end], timestamps[first..end], [.. offsets[first..end].Select(o => o - offsets[first])], Extent<TKey>.AllLive(end - first));
        }

        lock (_gate)
        {
            _extents.UnionWith(extents);
        }

        Volatile.Write(ref _counters.DataFileBytesWritten, _counters.DataFileBytesWritten + records.Count);
        var locations = new RecordLocation<TKey>[keys.Length];
        for (int p = 0, n = 0; p < extents.Length; p++)
        {
            for (var i = 0; i < extents[p].RecordCount; i++)
            {
                locations[n++] = new RecordLocation<TKey>(extents[p], i);
            }
        }

        return locations;
    }

    private void WritePadded(ReadOnlySpan<byte> records, long start)
    {
        var length = DataFileFormat.BlocksFor(records.Length) * DataFileFormat.BlockSize;
        var padded = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            records.CopyTo(padded);
            padded.AsSpan(records.Length, length - records.Length).Clear();
            _file.Write(padded.AsSpan(0, length), start * DataFileFormat.BlockSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(padded);
        }
    }

    private static int PieceBytes(int[] offsets, int used, int first, int end) => (end < offsets.Length ? offsets[end] : used) - offsets[first];

    // The runs a batch goes to, each with the records [First, End) it holds.
    private List<(long Start, int First, int End)> AllocatePieces(int[] offsets, int used, bool isCopy)
    {
        var pieces = new List<(long Start, int First, int End)>(1);
        lock (_gate)
        {
            for (var first = 0; first < offsets.Length;)
            {
                var blocks = DataFileFormat.BlocksFor(used - offsets[first]);
                var end = offsets.Length;
                var largest = _allocator.LargestFreeExtent;
                if (_allocator.SmallestFreeExtent(blocks) == 0 && largest > 0)
                {
                    // As many records as the largest free run holds (at least one: a record larger than it goes to the end of the file).
                    end = first + 1;
                    while (end < offsets.Length && PieceBytes(offsets, used, first, end + 1) <= largest * DataFileFormat.BlockSize)
                    {
                        end++;
                    }
                }

                pieces.Add((Allocate(DataFileFormat.BlocksFor(PieceBytes(offsets, used, first, end))), first, end));
                first = end;
            }

            if (!isCopy)
            {
                _compaction.Flushed((long)DataFileFormat.BlocksFor(used) * DataFileFormat.BlockSize);
            }
        }

        return pieces;
    }

    /// <summary>Marks a superseded record dead; frees its extent once nothing in it is live or pinned.</summary>
    internal void MarkDead(RecordLocation<TKey> location)
    {
        if (location.Extent.MarkDead(location.Index))
        {
            Free(location.Extent);
        }
    }

    /// <summary>
    /// Drops a key's value from memory if the data file holds the version committed at
    /// <paramref name="timestamp"/>: the returned version reads it back on demand.
    /// </summary>
    internal PagedVersion<TValue>? TryPageOut(TKey key, long timestamp) =>
        _failure is null && ShardOf(key).TryPin(key, timestamp, out var location) ? new PagedRecord<TKey, TValue>(this, key, location, timestamp) : null;

    internal void Unpin(RecordLocation<TKey> location)
    {
        if (location.Extent.Unpin())
        {
            Free(location.Extent);
        }
    }

    /// <summary>Reads a pinned record's value back: one read of the record.</summary>
    internal async ValueTask<TValue> ReadValueAsync(TKey key, RecordLocation<TKey> location, long timestamp, CancellationToken cancellationToken)
    {
        var record = new byte[location.Length];
        int read;
        try
        {
            read = await _file.ReadAsync(record, location.FileOffset, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw ReadFailed(location, e);
        }

        return DecodeValue(key, record, read, location, timestamp);
    }

    private FluxMapIOException ReadFailed(RecordLocation<TKey> location, IOException e) =>
        new($"Reading a paged-out value from the data file '{_path}' at offset {location.FileOffset} failed: {e.Message}", e);

    // The record must be whole, of the version's commit and of the key: a value of another key is never returned.
    private TValue DecodeValue(TKey key, byte[] record, int read, RecordLocation<TKey> location, long timestamp)
    {
        Interlocked.Increment(ref _counters.PagedReads);
        if (read != record.Length || DataFileFormat.ReadRecord(record, out var stored) != record.Length || stored != timestamp)
        {
            throw new CorruptionException(
                $"The record of a paged-out value in the data file '{_path}' at offset {location.FileOffset} is damaged (wanted the version of commit {timestamp}).",
                _path,
                location.FileOffset);
        }

        var entry = ReadEntry(record.AsMemory(DataFileFormat.RecordPrefixSize), location.FileOffset);
        return _equality.Equals(entry.Key, key)
            ? entry.Value
            : throw new CorruptionException($"The record at offset {location.FileOffset} in the data file '{_path}' belongs to another key than the paged-out value read.", _path, location.FileOffset);
    }

    private void Free(Extent<TKey> extent)
    {
        lock (_gate)
        {
            // Still listed by the durable checkpoint: reusable only after the next one.
            _extents.Remove(extent);
            _freed.Add(extent);
        }
    }

    /// <summary>Lets flushes in progress finish and refuses new ones, before the file closes.</summary>
    internal async Task CloseAsync()
    {
        foreach (var shard in _shards)
        {
            await shard.CloseAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        _checkpointGate.Dispose();
        _moveGate.Dispose();
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }
    }

    private WriteBehindShard<TKey, TValue> ShardOf(TKey key) =>
        _shards.Length == 1 ? _shards[0] : _shards[(int)((uint)_equality.GetHashCode(key) % (uint)_shards.Length)];

    private void Hand(TKey key, long timestamp, bool isDelete, ReadOnlySpan<byte> entry)
    {
        var shard = ShardOf(key);
        switch (shard.Add(key, timestamp, isDelete, entry))
        {
            case BufferLevel.FlushDue:
                shard.ScheduleFlush();
                break;
            case BufferLevel.Full:
                WriterWaitsForFlush?.Invoke();
                shard.FlushNow();
                break;
        }
    }

    private long Allocate(int blocks)
    {
        lock (_gate)
        {
            var start = _allocator.Allocate(blocks);
            var needed = _allocator.EndBlock * DataFileFormat.BlockSize;
            if (needed > _fileLength)
            {
                // Grow in steps so a steady load does not change the file's size on every batch; small
                // ones, since compaction holds the blocks in use to a bound and the file never shrinks.
                var grown = Math.Max(needed, _fileLength + Math.Max(1L << 20, _fileLength / 32));
                _file.SetLength(grown);
                _fileLength = grown;
            }

            return start;
        }
    }

    // Copies the victims' live records, in victim order, into new extents of at most
    // MaxCopyBytes each: records from many sparse extents fill one, with no padding between them.
    private int Move(List<Extent<TKey>> victims)
    {
        var copy = new ExtentCopy<TKey>();
        copy.Start(CopyBytes());
        var moved = 0;
        foreach (var victim in victims)
        {
            var data = ArrayPool<byte>.Shared.Rent(victim.UsedBytes);
            try
            {
                if (_file.Read(data.AsSpan(0, victim.UsedBytes), victim.FileOffset) != victim.UsedBytes)
                {
                    throw new CorruptionException($"The data file '{_path}' ends inside the extent at offset {victim.FileOffset}.", _path, victim.FileOffset);
                }

                // A record live now was live when it was read, so its extent was not yet freed and the bytes are its own.
                for (var i = 0; i < victim.RecordCount; i++)
                {
                    if (!victim.IsLive(i))
                    {
                        continue;
                    }

                    var record = data.AsSpan(victim.RecordOffset(i), victim.RecordLength(i));
                    if (!copy.TryAdd(record, victim, i))
                    {
                        moved += WriteCopy(copy);
                        copy.Add(record, victim, i);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(data);
            }
        }

        return moved + WriteCopy(copy);
    }

    // Lists a copy and points its keys at it, unless a newer record superseded one meanwhile (the
    // copy's record is then dead on arrival); empties the copy for the next records.
    private int WriteCopy(ExtentCopy<TKey> copy)
    {
        var count = copy.Keys.Count;
        if (count == 0)
        {
            return 0;
        }

        _moveGate.Wait();
        try
        {
            var locations = WriteRecords(copy.Records, [.. copy.Keys], [.. copy.Timestamps], [.. copy.Offsets], isCopy: true);
            CompactionCopyListed?.Invoke();
            for (var j = 0; j < count; j++)
            {
                ShardOf(copy.Keys[j]).Move(copy.Keys[j], copy.Origins[j], locations[j]);
            }
        }
        finally
        {
            _moveGate.Release();
        }

        copy.Start(CopyBytes());
        return count;
    }

    // A copy fills the smallest free run that holds a block or more, so compaction takes up the
    // runs too small for a flush instead of growing the file; with none free, a run of MaxCopyBytes.
    private int CopyBytes()
    {
        lock (_gate)
        {
            var blocks = _allocator.SmallestFreeExtent(1);
            return blocks == 0 ? MaxCopyBytes : (int)Math.Min(MaxCopyBytes, blocks * DataFileFormat.BlockSize);
        }
    }

    private DataFileHeader WriteCheckpoint(long lsn, List<ExtentImage> images, List<Extent<TKey>> freed)
    {
        try
        {
            var size = DataFileFormat.TableSize(images);
            var table = new ByteBuffer(size + DataFileFormat.BlockSize);
            DataFileFormat.WriteTable(table.GetSpan(size), images);
            table.Advance(size);
            var crc = WalFormat.Crc32C(table.Written);
            var blocks = DataFileFormat.BlocksFor(size);
            table.GetSpan(DataFileFormat.BlockSize)[..((blocks * DataFileFormat.BlockSize) - size)].Clear();
            table.Advance((blocks * DataFileFormat.BlockSize) - size);
            var tableBlock = Allocate(blocks);
            _file.Write(table.Written, tableBlock * DataFileFormat.BlockSize);

            // The table and every extent it lists are on disk before the header points at them.
            _file.Sync();
            var previous = _header;
            long end;
            lock (_gate)
            {
                end = _allocator.EndBlock;
            }

            var header = new DataFileHeader(previous.Generation + 1, Math.Max(lsn, previous.CheckpointLsn), tableBlock, size, crc, end);
            Span<byte> block = new byte[DataFileFormat.BlockSize];
            DataFileFormat.WriteHeader(block, header);
            _file.Write(block, (header.Generation % 2) * DataFileFormat.BlockSize);
            _file.Sync();
            Volatile.Write(ref _header, header);
            lock (_gate)
            {
                // What the previous checkpoint already left out is free now; what this one left
                // out stays untouched until the next, so the extents the previous header copy
                // lists stay readable if this one's copy is found damaged (open then needs the log
                // after that checkpoint, and reports a gap if it was released).
                foreach (var (start, count) in _releasing)
                {
                    _allocator.Release(start, count);
                }

                _compaction.Checkpointed((long)DataFileFormat.BlocksFor(size) * DataFileFormat.BlockSize);

                _releasing = [.. freed.Select(e => (e.Start, e.Blocks))];
                if (previous.TableLength > 0)
                {
                    _releasing.Add((previous.TableBlock, DataFileFormat.BlocksFor(previous.TableLength)));
                }
            }

            Volatile.Write(ref _counters.Checkpoints, _counters.Checkpoints + 1);
            return header;
        }
        catch (Exception e)
        {
            // Half a checkpoint (a table with no header, a header with the releases not done)
            // must not be built on: whatever failed, checkpoints stop and the log keeps everything.
            throw Fail(e);
        }
    }

    private void Load(string directory, bool exists, bool readOnly, IRecordLoader<TKey, TValue> loader, IProgress<OpenProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var path = _path;
        var headers = exists ? ReadHeaders() : [];

        // A new file, or one a crash cut short before its first header was whole: it holds nothing.
        // A read-only open leaves it as it is.
        if (headers.Count == 0)
        {
            if (!readOnly)
            {
                Span<byte> block = new byte[DataFileFormat.BlockSize * DataFileFormat.FirstDataBlock];
                DataFileFormat.WriteHeader(block, _header);
                _file.Write(block, 0);
                _file.Sync();
                _storage.SyncDirectory(directory);
                _fileLength = _file.Length;
            }

            return;
        }

        _header = headers[0];
        var images = ReadTable(_header) ?? throw new CorruptionException(
            $"The checkpoint table of the data file '{path}' at offset {_header.TableBlock * DataFileFormat.BlockSize} is damaged (checkpoint LSN {_header.CheckpointLsn}). Restore from a backup.",
            path,
            _header.TableBlock * DataFileFormat.BlockSize);
        var used = Extents(_header, images);

        // The other header copy stays the fallback until the next checkpoint: keep what only it
        // lists untouched until then, as a running database would.
        if (headers.Count > 1 && ReadTable(headers[1]) is { } previous)
        {
            var current = used.ToHashSet();
            _releasing = [.. Extents(headers[1], previous).Where(e => !current.Contains(e))];
            used.AddRange(_releasing);
        }

        try
        {
            _allocator = ExtentAllocator.Rebuild(DataFileFormat.FirstDataBlock, Math.Max(_header.EndBlock, headers[^1].EndBlock), used);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
        {
            throw new CorruptionException($"The checkpoint tables of the data file '{path}' list extents that overlap or lie outside the file: {e.Message}", path, _header.TableBlock * DataFileFormat.BlockSize);
        }

        var records = LoadRecords(images, watch, loader, PhaseProgress.Start(progress, OpenPhase.LoadingDataFile, images.Count), cancellationToken);
        Diagnostics.Log.DataFileLoaded(_logger, records, path, _header.CheckpointLsn, watch.ElapsedMilliseconds);
        foreach (var shard in _shards)
        {
            shard.MarkFlushed(_header.CheckpointLsn);
        }

        _handedThrough = _header.CheckpointLsn;
    }

    // Decodes every extent, then hands the live records over in key order, so the store is built
    // by appending instead of searching. Every step that can is split over two cores: at a million
    // keys decoding, sorting and building the indexes each take a similar share.
    private long LoadRecords(List<ExtentImage> images, Stopwatch watch, IRecordLoader<TKey, TValue> loader, PhaseProgress? loading, CancellationToken cancellationToken)
    {
        var decoded = new DecodedExtent[images.Count];
        try
        {
            Parallel.For(0, images.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                decoded[i] = DecodeExtent(images[i]);
                loading?.Advance();
            });
        }
        catch (AggregateException e)
        {
            Rethrow(e);
        }

        var live = decoded.Sum(d => d.Extent.Keys.Length - d.Dead);
        var keys = new TKey[live];
        var positions = new long[live];
        var n = 0;
        for (var e = 0; e < decoded.Length; e++)
        {
            _extents.Add(decoded[e].Extent);
            for (var i = 0; i < decoded[e].Extent.Keys.Length; i++)
            {
                if (decoded[e].Extent.IsLive(i))
                {
                    keys[n] = decoded[e].Extent.Keys[i];
                    positions[n++] = ((long)e << 32) | (uint)i;
                }
            }
        }

        if (watch.ElapsedMilliseconds > 2_000)
        {
            Diagnostics.Log.DataFileLoading(_logger, _path, live, watch.ElapsedMilliseconds);
        }

        (keys, positions) = Sort(keys, positions);
        var kept = Newest(decoded, keys, positions);
        loader.Reserve(kept.Count);
        foreach (var shard in _shards)
        {
            shard.Reserve(kept.Count / _shards.Length);
        }

        // The shards' location index and the store are apart: built side by side.
        Run(
            () =>
            {
                foreach (var i in kept)
                {
                    ShardOf(keys[i]).Load(keys[i], Locate(decoded, positions[i]));
                }
            },
            () =>
            {
                foreach (var i in kept)
                {
                    var (extent, index) = (decoded[(int)(positions[i] >> 32)], (int)positions[i]);
                    var location = new RecordLocation<TKey>(extent.Extent, index);
                    PagedVersion<TValue>? paged = null;
                    if (_pagedLoad && extent.Expiries[index] == 0)
                    {
                        location.Extent.Pin();
                        paged = new PagedRecord<TKey, TValue>(this, keys[i], location, location.Timestamp);
                    }

                    loader.Load(keys[i], location.Timestamp, extent.Values[index], extent.Expiries[index], paged);
                }
            });

        // A table can list an extent none of whose records is live (one a paged-out version
        // pinned, or caught between its last record dying and its release): nothing would ever free it now.
        foreach (var extent in decoded)
        {
            if (extent.Extent.FreeIfEmpty())
            {
                Free(extent.Extent);
            }
        }

        return kept.Count;
    }

    private static RecordLocation<TKey> Locate(DecodedExtent[] decoded, long position) => new(decoded[(int)(position >> 32)].Extent, (int)position);

    // Where two live records hold one key (a checkpoint taken between a flush and its superseded
    // record being marked dead), the newer commit wins and the other is marked dead: the indexes
    // into the sorted keys of the records to load.
    private List<int> Newest(DecodedExtent[] decoded, TKey[] keys, long[] positions)
    {
        var kept = new List<int>(keys.Length);
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            var newest = start;
            for (; end < keys.Length && _comparer.Compare(keys[start], keys[end]) == 0; end++)
            {
                newest = Locate(decoded, positions[end]).Timestamp > Locate(decoded, positions[newest]).Timestamp ? end : newest;
            }

            for (var i = start; i < end; i++)
            {
                if (i != newest)
                {
                    MarkDead(Locate(decoded, positions[i]));
                }
            }

            kept.Add(newest);
            start = end;
        }

        return kept;
    }

    private static void Rethrow(AggregateException e) =>
        ExceptionDispatchInfo.Throw(e.InnerExceptions.FirstOrDefault(x => x is CorruptionException) ?? e.InnerExceptions[0]);

    private static void Run(Action first, Action second)
    {
        try
        {
            Parallel.Invoke(first, second);
        }
        catch (AggregateException e)
        {
            Rethrow(e);
        }
    }

    // Two halves sorted side by side, then merged: sorting a million keys is a fifth of the open.
    private (TKey[] Keys, long[] Positions) Sort(TKey[] keys, long[] positions)
    {
        var half = keys.Length / 2;
        if (half < ParallelSortMinimum || Environment.ProcessorCount == 1)
        {
            Array.Sort(keys, positions, _comparer);
            return (keys, positions);
        }

        Run(() => Array.Sort(keys, positions, 0, half, _comparer), () => Array.Sort(keys, positions, half, keys.Length - half, _comparer));
        var mergedKeys = new TKey[keys.Length];
        var mergedPositions = new long[keys.Length];
        for (int m = 0, a = 0, b = half; m < keys.Length; m++)
        {
            var from = b == keys.Length || (a < half && _comparer.Compare(keys[a], keys[b]) <= 0) ? a++ : b++;
            mergedKeys[m] = keys[from];
            mergedPositions[m] = positions[from];
        }

        return (mergedKeys, mergedPositions);
    }

    private DecodedExtent DecodeExtent(ExtentImage image)
    {
        var fileOffset = image.Start * DataFileFormat.BlockSize;
        var buffer = ArrayPool<byte>.Shared.Rent(image.UsedBytes);
        try
        {
            var data = buffer.AsMemory(0, image.UsedBytes);
            if (_file.Read(data.Span, fileOffset) != data.Length)
            {
                throw new CorruptionException($"The data file '{_path}' ends inside the extent at offset {fileOffset}.", _path, fileOffset);
            }

            var keys = new TKey[image.RecordCount];
            var timestamps = new long[image.RecordCount];
            var offsets = new int[image.RecordCount];
            var values = new TValue[image.RecordCount];
            var expiries = new long[image.RecordCount];
            var dead = 0;
            var at = 0;
            for (var i = 0; i < image.RecordCount; i++)
            {
                var length = DataFileFormat.ReadRecord(data.Span[at..], out timestamps[i]);
                if (length < 0)
                {
                    throw new CorruptionException(
                        $"Record {i} of the extent at offset {fileOffset} in the data file '{_path}' is damaged (its length or checksum is wrong). Restore from a backup.",
                        _path,
                        fileOffset + at);
                }

                offsets[i] = at;
                if ((image.Live[i >> 6] & (1UL << (i & 63))) != 0)
                {
                    (keys[i], values[i], expiries[i]) = ReadEntry(data.Slice(at + DataFileFormat.RecordPrefixSize, length - DataFileFormat.RecordPrefixSize), fileOffset + at, _pagedLoad);
                }
                else
                {
                    dead++;
                }

                at += length;
            }

            return new DecodedExtent(new Extent<TKey>(image.Start, image.Blocks, image.UsedBytes, keys, timestamps, offsets, image.Live), values, expiries, dead);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The valid header copies, newest first.
    private List<DataFileHeader> ReadHeaders()
    {
        var headers = new List<DataFileHeader>();
        Span<byte> block = new byte[DataFileFormat.BlockSize];
        for (var copy = 0; copy < DataFileFormat.FirstDataBlock; copy++)
        {
            var offset = (long)copy * DataFileFormat.BlockSize;
            var read = _file.Read(block, offset);
            if (DataFileFormat.CheckIdentity(block[..read], _path) && DataFileFormat.TryReadHeader(block[..read], out var header))
            {
                headers.Add(header);
            }
        }

        // A file that never got past its first header write (a crash while creating it) holds nothing.
        if (headers.Count == 0 && _file.Length > DataFileFormat.BlockSize * DataFileFormat.FirstDataBlock)
        {
            throw new CorruptionException($"Neither header copy of the data file '{_path}' is valid. Restore from a backup.", _path, 0);
        }

        return [.. headers.OrderByDescending(h => h.Generation)];
    }

    // A header's table, or null when it fails its checksum.
    private List<ExtentImage>? ReadTable(DataFileHeader header)
    {
        if (header.TableLength == 0)
        {
            return [];
        }

        var offset = header.TableBlock * DataFileFormat.BlockSize;
        var table = new byte[header.TableLength];
        return _file.Read(table, offset) == table.Length && WalFormat.Crc32C(table) == header.TableCrc
            ? DataFileFormat.ReadTable(table, _path, offset)
            : null;
    }

    private static List<(long Start, int Blocks)> Extents(DataFileHeader header, List<ExtentImage> images)
    {
        var extents = images.Select(e => (e.Start, e.Blocks)).ToList();
        if (header.TableLength > 0)
        {
            extents.Add((header.TableBlock, DataFileFormat.BlocksFor(header.TableLength)));
        }

        return extents;
    }

    private (TKey Key, TValue Value, long ExpiresAt) ReadEntry(ReadOnlyMemory<byte> entry, long offset, bool skipLastingValue = false)
    {
        try
        {
            var reader = new MessagePackReader(entry);
            var (key, value, isDelete, expiresAt) = _codec.ReadEntry(ref reader, skipLastingValue);
            return isDelete ? throw new MessagePackSerializationException("A data file record holds a delete.") : (key, value, expiresAt);
        }
        catch (MessagePackSerializationException e)
        {
            throw new CorruptionException(
                $"The record at offset {offset} in the data file '{_path}' passes its checksum but cannot be read as {typeof(TKey).Name} keys and {typeof(TValue).Name} values " +
                $"({e.GetBaseException().Message}). Was the database written with other key or value types, or other serializer options?",
                _path,
                offset);
        }
    }

    private readonly record struct DecodedExtent(Extent<TKey> Extent, TValue[] Values, long[] Expiries, int Dead);
}

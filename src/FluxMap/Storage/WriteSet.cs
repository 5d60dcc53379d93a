namespace FluxMap.Storage;

/// <summary>
/// A transaction's workspace: its pending writes, one per key, in key order. A small write set is
/// one short sorted array; past <see cref="ChunkCapacity"/> writes it becomes a row of sorted
/// chunks of at most that many, found by binary search on each chunk's last key, so an insert
/// shifts one chunk's entries at most and a search stays O(log n) however large the set grows.
/// Writes are kept by value: staging one allocates nothing per key, and a cleared set keeps its
/// first chunk, so a reused one allocates nothing at all. Its owner alone uses it, one call at a time.
/// </summary>
internal sealed class WriteSet<TKey, TValue>
    where TKey : notnull
{
    /// <summary>The most writes one chunk holds.</summary>
    internal const int ChunkCapacity = 64;

    private const int FirstCapacity = 4;

    private readonly IComparer<TKey> _comparer;

    // Every key of chunk i is below every key of chunk i + 1; the chunks in use are never empty.
    private StagedWrite<TKey, TValue>[][] _chunks = [];
    private int[] _sizes = [];
    private int _chunkCount;

    internal WriteSet(IComparer<TKey> comparer) => _comparer = comparer;

    internal int Count { get; private set; }

    /// <summary>Stages a write of <paramref name="key"/>, replacing the one staged before for it; a tombstone never expires.</summary>
    internal void Put(TKey key, TValue value, bool isTombstone, long expiresAt)
    {
        expiresAt = isTombstone ? 0 : expiresAt;
        if (_chunkCount == 0)
        {
            if (_chunks.Length == 0)
            {
                _chunks = [new StagedWrite<TKey, TValue>[FirstCapacity]];
                _sizes = new int[1];
            }

            _chunkCount = 1;
        }

        var (chunk, index) = Locate(key);
        if (index >= 0)
        {
            // The key's first instance stays: the one earlier reads of the set handed out.
            _chunks[chunk][index] = new(_chunks[chunk][index].Key, value, isTombstone, expiresAt);
            return;
        }

        Insert(chunk, ~index, new(key, value, isTombstone, expiresAt));
    }

    /// <summary>The write staged for <paramref name="key"/>, if any.</summary>
    internal bool TryFind(TKey key, out StagedWrite<TKey, TValue> write)
    {
        var (chunk, index) = Locate(key);
        return At(chunk, index, out write);
    }

    /// <summary>The write of the lowest key.</summary>
    internal bool TryFirst(out StagedWrite<TKey, TValue> write) => At(0, 0, out write);

    /// <summary>The write of the highest key.</summary>
    internal bool TryLast(out StagedWrite<TKey, TValue> write) => At(_chunkCount - 1, LastIndexOf(_chunkCount - 1), out write);

    /// <summary>The write of the lowest key at or above (<paramref name="inclusive"/>) or strictly above <paramref name="key"/>.</summary>
    internal bool TryFindAfter(TKey key, bool inclusive, out StagedWrite<TKey, TValue> write)
    {
        var (chunk, index) = Locate(key);
        index = index >= 0 ? (inclusive ? index : index + 1) : ~index;
        return At(chunk, index, out write) || At(chunk + 1, 0, out write);
    }

    /// <summary>The write of the highest key at or below (<paramref name="inclusive"/>) or strictly below <paramref name="key"/>.</summary>
    internal bool TryFindBefore(TKey key, bool inclusive, out StagedWrite<TKey, TValue> write)
    {
        // Every key of the chunk before the one located is below key.
        var (chunk, index) = Locate(key);
        index = index >= 0 ? (inclusive ? index : index - 1) : ~index - 1;
        return At(chunk, index, out write) || At(chunk - 1, LastIndexOf(chunk - 1), out write);
    }

    /// <summary>The keys written, in key order.</summary>
    internal TKey[] CopyKeys()
    {
        var keys = new TKey[Count];
        var i = 0;
        foreach (var write in this)
        {
            keys[i++] = write.Key;
        }

        return keys;
    }

    /// <summary>
    /// Forgets every write and lets go of the keys and values, keeping the first chunk's array
    /// for the next owner; a large set gives its other chunks back to the collector.
    /// </summary>
    internal void Clear()
    {
        if (_chunkCount == 0)
        {
            return;
        }

        Array.Clear(_chunks[0], 0, _sizes[0]);
        if (_chunkCount > 1)
        {
            _chunks = [_chunks[0]];
            _sizes = new int[1];
        }

        _sizes[0] = 0;
        _chunkCount = 0;
        Count = 0;
    }

    /// <summary>The writes in key order.</summary>
    public Enumerator GetEnumerator() => new(this);

    // The chunk that holds key or would take it (see ChunkFor), and the key's index in it or the
    // bitwise complement of where it would go; (0, ~0) while the set is empty.
    private (int Chunk, int Index) Locate(TKey key)
    {
        if (_chunkCount == 0)
        {
            return (0, ~0);
        }

        var chunk = ChunkFor(key);
        return (chunk, IndexIn(chunk, key));
    }

    // The chunk that holds key or would take it: the first whose last key is at or above it, else the last one.
    private int ChunkFor(TKey key)
    {
        int lo = 0, hi = _chunkCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_comparer.Compare(_chunks[mid][_sizes[mid] - 1].Key, key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    // The key's index in the chunk, or the bitwise complement of where it would go.
    private int IndexIn(int chunk, TKey key)
    {
        var items = _chunks[chunk];
        int lo = 0, hi = _sizes[chunk] - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var order = _comparer.Compare(items[mid].Key, key);
            if (order == 0)
            {
                return mid;
            }

            if (order < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    private int LastIndexOf(int chunk) => chunk >= 0 && chunk < _chunkCount ? _sizes[chunk] - 1 : -1;

    // The write at a place, false when there is none there.
    private bool At(int chunk, int index, out StagedWrite<TKey, TValue> write)
    {
        if (chunk < 0 || chunk >= _chunkCount || index < 0 || index >= _sizes[chunk])
        {
            write = default;
            return false;
        }

        write = _chunks[chunk][index];
        return true;
    }

    private void Insert(int chunk, int index, StagedWrite<TKey, TValue> write)
    {
        if (_sizes[chunk] == _chunks[chunk].Length)
        {
            if (_chunks[chunk].Length < ChunkCapacity)
            {
                // Only the first chunk starts short, so a small write set stays small.
                Array.Resize(ref _chunks[chunk], Math.Min(_chunks[chunk].Length * 2, ChunkCapacity));
            }
            else
            {
                (chunk, index) = Split(chunk, index);
            }
        }

        var items = _chunks[chunk];
        Array.Copy(items, index, items, index + 1, _sizes[chunk] - index);
        items[index] = write;
        _sizes[chunk]++;
        Count++;
    }

    // Makes room in a full chunk for an insert at index: one past its end (keys arriving in
    // ascending order) opens an empty chunk after it, so chunks stay full; any other moves its
    // upper half into a new chunk. Returns where the insert goes now.
    private (int Chunk, int Index) Split(int chunk, int index)
    {
        var kept = index == ChunkCapacity ? ChunkCapacity : ChunkCapacity / 2;
        if (_chunkCount == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunkCount * 2);
            Array.Resize(ref _sizes, _chunkCount * 2);
        }

        var upper = chunk + 1;
        Array.Copy(_chunks, upper, _chunks, upper + 1, _chunkCount - upper);
        Array.Copy(_sizes, upper, _sizes, upper + 1, _chunkCount - upper);
        _chunks[upper] = new StagedWrite<TKey, TValue>[ChunkCapacity];
        _chunkCount++;

        var moved = ChunkCapacity - kept;
        Array.Copy(_chunks[chunk], kept, _chunks[upper], 0, moved);
        Array.Clear(_chunks[chunk], kept, moved);
        _sizes[chunk] = kept;
        _sizes[upper] = moved;
        return index >= kept ? (upper, index - kept) : (chunk, index);
    }

    /// <summary>Walks the writes in key order; the set must not change meanwhile.</summary>
    internal struct Enumerator
    {
        private readonly WriteSet<TKey, TValue> _set;
        private int _chunk;
        private int _index;

        internal Enumerator(WriteSet<TKey, TValue> set)
        {
            _set = set;
            _index = -1;
        }

        public readonly StagedWrite<TKey, TValue> Current => _set._chunks[_chunk][_index];

        public bool MoveNext()
        {
            if (_chunk >= _set._chunkCount)
            {
                return false;
            }

            if (++_index < _set._sizes[_chunk])
            {
                return true;
            }

            _index = 0;
            return ++_chunk < _set._chunkCount;
        }
    }
}

namespace FluxMap.DataFile;

/// <summary>
/// A run of blocks holding records back to back, and which of them are still the newest record of
/// their key. Records only ever go from live to dead; the extent is freed when none is live.
/// </summary>
internal sealed class Extent<TKey>
{
    private readonly ulong[] _live;
    private readonly int[] _offsets;
    private int _liveCount;
    private long _liveBytes;
    private int _pins;
    private bool _freed;

    // A record ends where the next one starts, the last one at usedBytes.
    internal Extent(long start, int blocks, int usedBytes, TKey[] keys, long[] timestamps, int[] offsets, ulong[] live)
    {
        Timestamps = timestamps;
        Start = start;
        Blocks = blocks;
        UsedBytes = usedBytes;
        Keys = keys;
        _offsets = offsets;
        _live = live;
        for (var i = 0; i < keys.Length; i++)
        {
            if (IsLive(i))
            {
                _liveCount++;
                _liveBytes += RecordLength(i);
            }
        }
    }

    internal long Start { get; }

    internal int Blocks { get; }

    internal int UsedBytes { get; }

    /// <summary>The key of each record, so liveness and compaction need not decode records.</summary>
    internal TKey[] Keys { get; }

    /// <summary>The commit timestamp of each record.</summary>
    internal long[] Timestamps { get; }

    internal int RecordCount => Keys.Length;

    internal long FileOffset => Start * DataFileFormat.BlockSize;

    /// <summary>The bytes of the blocks the extent takes, its padding included.</summary>
    internal long OccupiedBytes => (long)Blocks * DataFileFormat.BlockSize;

    internal long LiveBytes => Volatile.Read(ref _liveBytes);

    internal static ulong[] AllLive(int records)
    {
        var words = new ulong[(records + 63) / 64];
        for (var i = 0; i < records; i++)
        {
            words[i >> 6] |= 1UL << (i & 63);
        }

        return words;
    }

    internal int RecordOffset(int index) => _offsets[index];

    internal int RecordLength(int index) => (index + 1 < _offsets.Length ? _offsets[index + 1] : UsedBytes) - _offsets[index];

    internal bool IsLive(int index)
    {
        lock (_live)
        {
            return (_live[index >> 6] & (1UL << (index & 63))) != 0;
        }
    }

    /// <summary>Marks a record superseded; true when that left the extent with nothing live or pinned (free it then).</summary>
    internal bool MarkDead(int index)
    {
        lock (_live)
        {
            ref var word = ref _live[index >> 6];
            var bit = 1UL << (index & 63);
            if ((word & bit) == 0)
            {
                return false;
            }

            word &= ~bit;
            _liveBytes -= RecordLength(index);
            _liveCount--;
            return BecameFree();
        }
    }

    /// <summary>Keeps the extent's records readable while a paged-out version points into it, live or not.</summary>
    internal void Pin()
    {
        lock (_live)
        {
            _pins++;
        }
    }

    /// <summary>Drops a pin; true when that left the extent with nothing live or pinned (free it then).</summary>
    internal bool Unpin()
    {
        lock (_live)
        {
            _pins--;
            return BecameFree();
        }
    }

    /// <summary>At open: true (free it then) if no record is live.</summary>
    internal bool FreeIfEmpty()
    {
        lock (_live)
        {
            return BecameFree();
        }
    }

    private bool BecameFree()
    {
        if (_liveCount > 0 || _pins > 0 || _freed)
        {
            return false;
        }

        _freed = true;
        return true;
    }

    /// <summary>A copy for a checkpoint table, consistent with every mark made before it.</summary>
    internal ExtentImage Image()
    {
        lock (_live)
        {
            return new ExtentImage(Start, Blocks, UsedBytes, RecordCount, (ulong[])_live.Clone());
        }
    }
}

using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// What a transaction has read (SIREAD in the SSI literature): point keys, including misses, and
/// scanned ranges. The owning transaction adds to it while committers of other transactions
/// check it, so every access holds the trace's own lock.
/// </summary>
internal sealed class ReadTrace<TKey>
    where TKey : notnull
{
    // A cleared trace keeps a point set up to this size for the next transaction; a larger one goes to the collector.
    private const int KeptPoints = 64;

    private readonly Lock _gate = new();
    private readonly KeyOrdering<TKey> _keys;
    private HashSet<TKey>? _points;

    // The scanned ranges, newest first, linked through RangeTrace.Next.
    private RangeTrace<TKey>? _ranges;

    internal ReadTrace(KeyOrdering<TKey> keys) => _keys = keys;

    internal bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return (_points is null || _points.Count == 0) && _ranges is null;
            }
        }
    }

    internal void AddPoint(TKey key)
    {
        lock (_gate)
        {
            _points ??= new HashSet<TKey>(_keys.Equality);
            if (!_points.Contains(key))
            {
                _points.Add(_keys.Own(key));
            }
        }
    }

    internal RangeTrace<TKey> AddRange(KeyRange<TKey> range)
    {
        var trace = new RangeTrace<TKey>(_keys.Own(range));
        lock (_gate)
        {
            trace.Next = _ranges;
            _ranges = trace;
        }

        return trace;
    }

    /// <summary>Shrinks a range to what was consumed, or drops it when nothing was (<paramref name="covered"/> null).</summary>
    internal void Narrow(RangeTrace<TKey> trace, KeyRange<TKey>? covered)
    {
        lock (_gate)
        {
            if (covered is { } range)
            {
                trace.Range = range;
            }
            else
            {
                Unlink(trace);
            }
        }
    }

    internal bool Covers(TKey key)
    {
        lock (_gate)
        {
            return CoversUnlocked(key);
        }
    }

    /// <summary>The first key written in <paramref name="writes"/> that this trace covers and <paramref name="counts"/> accepts.</summary>
    internal bool TryFindCovered<TValue, TState>(WriteSet<TKey, TValue> writes, TState state, Func<TState, TKey, bool> counts, out TKey key)
    {
        lock (_gate)
        {
            foreach (var write in writes)
            {
                if (CoversUnlocked(write.Key) && counts(state, write.Key))
                {
                    key = write.Key;
                    return true;
                }
            }
        }

        key = default!;
        return false;
    }

    /// <summary>A copy of the points and ranges read so far, for a member that has the reads validated elsewhere.</summary>
    internal (TKey[] Points, KeyRange<TKey>[] Ranges) Copy()
    {
        lock (_gate)
        {
            var ranges = new List<KeyRange<TKey>>();
            for (var range = _ranges; range is not null; range = range.Next)
            {
                ranges.Add(range.Range);
            }

            ranges.Reverse();
            return (_points is null ? [] : [.. _points], [.. ranges]);
        }
    }

    /// <summary>Forgets every point and range, for a record reused by another transaction.</summary>
    internal void Clear()
    {
        lock (_gate)
        {
            if (_points is { Count: > KeptPoints })
            {
                _points = null;
            }

            _points?.Clear();
            _ranges = null;
        }
    }

    /// <summary>Hands every point and range to <paramref name="summary"/>; used once the transaction has ended.</summary>
    internal void FoldInto(CommittedSummary<TKey> summary, long commitTimestamp)
    {
        lock (_gate)
        {
            if (_points is not null)
            {
                foreach (var point in _points)
                {
                    summary.AddPoint(point, commitTimestamp);
                }
            }

            for (var range = _ranges; range is not null; range = range.Next)
            {
                summary.AddRange(range.Range, commitTimestamp);
            }
        }
    }

    private bool CoversUnlocked(TKey key)
    {
        if (_points is not null && _points.Contains(key))
        {
            return true;
        }

        for (var range = _ranges; range is not null; range = range.Next)
        {
            if (range.Range.Contains(key, _keys.Comparer))
            {
                return true;
            }
        }

        return false;
    }

    private void Unlink(RangeTrace<TKey> trace)
    {
        RangeTrace<TKey>? newer = null;
        for (var range = _ranges; range is not null; newer = range, range = range.Next)
        {
            if (ReferenceEquals(range, trace))
            {
                if (newer is null)
                {
                    _ranges = range.Next;
                }
                else
                {
                    newer.Next = range.Next;
                }

                range.Next = null;
                return;
            }
        }
    }
}

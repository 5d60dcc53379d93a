using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// The conservative stand-in for committed transactions that no longer fit in the retained set
/// (as PostgreSQL summarizes old serializable transactions). It forgets who read what and
/// keeps, per key or range, only the latest commit of a reader, plus the earliest out-conflict of
/// any summarized writer. It can cause extra aborts; it never hides a conflict.
/// </summary>
internal sealed class CommittedSummary<TKey>
    where TKey : notnull
{
    private const int MaxPoints = 65_536;
    private const int MaxRanges = 1_024;

    private readonly KeyOrdering<TKey> _keys;
    private readonly Dictionary<TKey, long> _points;
    private readonly List<(KeyRange<TKey> Range, long Commit)> _ranges = [];

    // Past the caps every key counts as read by a summarized transaction committed at _maxCommit.
    private bool _coversEverything;

    internal CommittedSummary(KeyOrdering<TKey> keys)
    {
        _keys = keys;
        _points = new Dictionary<TKey, long>(keys.Equality);
    }

    internal bool IsEmpty => _minCommit == long.MaxValue;

    internal long MaxCommit { get; private set; }

    internal int TrackedEntries => _points.Count + _ranges.Count;

    private long _minCommit = long.MaxValue;

    private long _earliestOutConflict = long.MaxValue;

    internal void Fold(TransactionRecord<TKey> record)
    {
        _minCommit = Math.Min(_minCommit, record.CommitTimestamp);
        MaxCommit = Math.Max(MaxCommit, record.CommitTimestamp);
        if (record.Wrote)
        {
            _earliestOutConflict = Math.Min(_earliestOutConflict, record.OutConflictAtCommit);
        }

        record.Trace?.FoldInto(this, record.CommitTimestamp);
    }

    internal void AddPoint(TKey key, long commit)
    {
        if (_coversEverything)
        {
            return;
        }

        _points[key] = _points.TryGetValue(key, out var existing) ? Math.Max(existing, commit) : commit;
        if (_points.Count > MaxPoints)
        {
            CollapseToEverything();
        }
    }

    internal void AddRange(KeyRange<TKey> range, long commit)
    {
        if (_coversEverything)
        {
            return;
        }

        _ranges.Add((range, commit));
        if (_ranges.Count > MaxRanges)
        {
            CollapseToEverything();
        }
    }

    /// <summary>The latest commit of a summarized transaction that read <paramref name="key"/>, or 0.</summary>
    internal long LatestReaderCommit(TKey key)
    {
        if (IsEmpty)
        {
            return 0;
        }

        if (_coversEverything)
        {
            return MaxCommit;
        }

        var latest = _points.TryGetValue(key, out var commit) ? commit : 0;
        foreach (var (range, rangeCommit) in _ranges)
        {
            if (rangeCommit > latest && range.Contains(key, _keys.Comparer))
            {
                latest = rangeCommit;
            }
        }

        return latest;
    }

    /// <summary>
    /// Treats a writer committed at <paramref name="commitTimestamp"/> that is no longer retained
    /// as a pivot whenever any summarized writer had an out-conflict.
    /// </summary>
    internal long EarliestOutConflictFor(long commitTimestamp) =>
        commitTimestamp >= _minCommit && commitTimestamp <= MaxCommit ? _earliestOutConflict : long.MaxValue;

    internal void Clear()
    {
        _points.Clear();
        _ranges.Clear();
        _coversEverything = false;
        _minCommit = long.MaxValue;
        MaxCommit = 0;
        _earliestOutConflict = long.MaxValue;
    }

    private void CollapseToEverything()
    {
        _coversEverything = true;
        _points.Clear();
        _ranges.Clear();
    }
}

namespace FluxMap.DataFile;

/// <summary>
/// Chooses the extents a compaction round empties, from byte counts alone, so that the file stays
/// within <c>live / (1 - threshold)</c> under a steady write load. Not thread-safe: the data file
/// calls it under its lock.
/// </summary>
/// <remarks>
/// <para>
/// The file holds the listed extents (live records, dead ones, padding), space freed but not yet
/// reusable, two checkpoint tables and free space, and grows only when an allocation finds no free
/// space. An extent a round empties is reused only after the next round's checkpoint (see
/// <see cref="DataFileStore{TKey, TValue}"/>), so the listed extents a round leaves behind must
/// leave room, within the bound, for what this round emptied and what the next one writes before
/// that checkpoint: its flushes and compaction's copies. Under uniform upserts a round must free
/// as much as its flushes wrote (each record written supersedes one elsewhere), which takes
/// victims of twice that and copies of as much when victims are half live: the room is then four
/// times the round's flushes. Rounds are uneven (victims come in whole extents, the next round may
/// write more, early victims are more than half live), and with four times that the file crept
/// past its bound (<c>CompactionTests</c>), so the room kept is eight times the larger of this
/// round's flushes and the last round's, plus two tables.
/// </para>
/// <para>
/// The room is reckoned from what the flushes wrote, never from the freed space waiting for a
/// checkpoint or compaction's own copies: those grow with every extent a round empties, and would
/// make the next round empty more, until one round moved the whole file.
/// </para>
/// </remarks>
internal sealed class CompactionPolicy(double threshold)
{
    /// <summary>Below this bound nothing is compacted: a small file is not worth rewriting.</summary>
    internal const long MinFileBytes = 256L << 10;

    /// <summary>Extents this live (live bytes over the blocks they take) or more are left alone.</summary>
    internal const double MaxVictimLiveShare = 0.8;

    /// <summary>A round may move this much however little was flushed since the previous one (a file opened over its bound catches up).</summary>
    internal const long MinRoundBytes = 256L << 10;

    private long _flushedSinceRound;
    private long _flushedLastRound;
    private long _tableBytes;

    /// <summary>Counts the blocks of a write-behind flush: new records, which supersede as much elsewhere.</summary>
    internal void Flushed(long bytes) => _flushedSinceRound += bytes;

    /// <summary>A checkpoint wrote a table of <paramref name="tableBytes"/>.</summary>
    internal void Checkpointed(long tableBytes) => _tableBytes = tableBytes;

    /// <summary>
    /// The extents to empty this round, sparsest first, until the listed extents leave the room
    /// the bound needs. A round moves at most twice the live bytes flushed since the previous one
    /// (at least <see cref="MinRoundBytes"/>, and always its first victim): that keeps up with the
    /// writes, since a victim under <see cref="MaxVictimLiveShare"/> live frees at least a quarter of
    /// what it moves, yet never moves a whole file at once, whose freed space would wait a checkpoint
    /// while its copies took new space.
    /// </summary>
    internal List<Extent<TKey>> ChooseVictims<TKey>(IReadOnlyCollection<Extent<TKey>> extents)
    {
        var room = (8 * Math.Max(_flushedSinceRound, _flushedLastRound)) + (2 * _tableBytes);
        var budget = Math.Max(MinRoundBytes, 2 * _flushedSinceRound);
        _flushedLastRound = _flushedSinceRound;
        _flushedSinceRound = 0;
        long live = 0, listed = 0;
        foreach (var extent in extents)
        {
            live += extent.LiveBytes;
            listed += extent.OccupiedBytes;
        }

        var excess = listed + room - Math.Max(MinFileBytes, (long)(live / (1 - threshold)));
        var victims = new List<Extent<TKey>>();
        if (excess <= 0)
        {
            return victims;
        }

        foreach (var (extent, liveBytes) in extents
            .Select(e => (Extent: e, Live: e.LiveBytes))
            .Where(e => e.Live < MaxVictimLiveShare * e.Extent.OccupiedBytes)
            .OrderBy(e => e.Live / (double)e.Extent.OccupiedBytes)
            .ThenBy(e => e.Extent.Start))
        {
            if (excess <= 0 || (victims.Count > 0 && liveBytes > budget))
            {
                break;
            }

            victims.Add(extent);
            budget -= liveBytes;
            excess -= extent.OccupiedBytes - liveBytes;
        }

        return victims;
    }
}

namespace FluxMap.Replication;

/// <summary>
/// The newest commit a replica may show to read-only transactions the leader does not track.
/// Commit order is not always serialization order: a transaction T that committed after commit c
/// but depended (read-write) on a commit at or before c is serialized before it, so a snapshot at
/// c shows that commit without T, which a reader could tell apart from every serial order (the
/// read-only anomaly of Fekete et al.). The leader's SSI aborts such readers of its own; a
/// replica instead avoids those snapshots. Every commit names its earliest out-conflict, making
/// the snapshots [OutConflict, commit - 1] unsafe, and every log entry names the leader's horizon
/// when it was cut: no transaction still running or yet to start can make a snapshot at or below
/// it unsafe. The safe point is the newest applied commit at or below the horizon in no unsafe range.
/// </summary>
/// <remarks>Not thread-safe: the state machine calls it from its apply path only.</remarks>
internal sealed class SafeSnapshotTracker
{
    private readonly List<(long From, long To)> _unsafe = [];
    private long _horizon;
    private long _applied;
    private long _safe;

    /// <summary>Gets the newest safe snapshot found so far.</summary>
    internal long Safe => _safe;

    /// <summary>Notes an applied commit and the earliest commit it depended on (long.MaxValue for none).</summary>
    internal void NoteCommit(long commit, long outConflict)
    {
        _applied = Math.Max(_applied, commit);
        if (outConflict < commit)
        {
            _unsafe.Add((outConflict, commit - 1));
        }
    }

    /// <summary>Notes the leader's horizon carried by an applied entry.</summary>
    internal void NoteHorizon(long horizon) => _horizon = Math.Max(_horizon, horizon);

    /// <summary>Moves the safe point as far as the notes allow and returns it; it never moves back.</summary>
    internal long Advance()
    {
        var candidate = Math.Min(_horizon, _applied);
        for (var moved = true; moved && candidate > _safe;)
        {
            moved = false;
            foreach (var (from, to) in _unsafe)
            {
                if (from <= candidate && candidate <= to)
                {
                    candidate = from - 1;
                    moved = true;
                }
            }
        }

        _safe = Math.Max(_safe, candidate);

        // A range wholly at or below the safe point can never cover a later choice: those only grow.
        _unsafe.RemoveAll(range => range.To <= _safe);
        return _safe;
    }

    /// <summary>
    /// Starts again from a snapshot: the state was replaced, and only notes from the log after it
    /// count. <paramref name="safe"/> is the safe point the log the snapshot stands for gave; a
    /// safe point stays safe, so no range forgotten here can take it back, and without it a member
    /// whose snapshot covers the leader's last entry would wait for a horizon no entry brings.
    /// </summary>
    internal void Reset(long applied, long safe)
    {
        _unsafe.Clear();
        (_horizon, _applied, _safe) = (safe, applied, safe);
    }
}

using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Commit timestamps, the visible watermark, and the wall-clock time time-to-lives are judged
/// against. Timestamps are taken under the commit lock; the watermark is read without it.
/// </summary>
internal sealed class CommitClock
{
    private readonly TimeProvider _time;
    private readonly CommitLock _gate;

    // The wall-clock time of each commit not yet visible, oldest first, kept while commits become
    // visible late (Full durability) and time-to-lives are in use (see ExpiryClockFor).
    private readonly Queue<(long Commit, long Time)> _pendingTimes = new();

    private long _lastCommit;
    private long _visible;

    // Set by the first version with a time-to-live; until then no clock is read.
    private bool _timeToLiveInUse;

    internal CommitClock(TimeProvider time, CommitLock gate)
    {
        _time = time;
        _gate = gate;
    }

    /// <summary>The newest commit a new snapshot sees; readers outside transactions read it with Volatile.Read.</summary>
    internal ref long VisibleRef => ref _visible;

    /// <summary>The newest commit a new snapshot sees.</summary>
    internal long Visible => Volatile.Read(ref _visible);

    /// <summary>The newest commit, visible or not.</summary>
    internal long LastCommit => Volatile.Read(ref _lastCommit);

    /// <summary>Whether any version has had a time-to-live since the database opened (under the commit lock).</summary>
    internal bool TimeToLiveInUse => _timeToLiveInUse;

    /// <summary>Now on the database's clock, in UTC ticks: what time-to-live deadlines are compared with.</summary>
    internal long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>Whether <paramref name="version"/> holds a value now (reads the clock only for an expiring one).</summary>
    internal bool IsLiveNow<TValue>(VersionEntry<TValue> version) => version.IsLiveAt(version is ExpiringVersion<TValue> ? Now : 0);

    /// <summary>The deadline, in UTC ticks, a time-to-live starting now ends at.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time-to-live is not positive, or ends past the clock's range.</exception>
    internal long DeadlineAfter(TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        var now = Now;
        return timeToLive.Ticks < DateTime.MaxValue.Ticks - now
            ? now + timeToLive.Ticks
            : throw new ArgumentOutOfRangeException(nameof(timeToLive), timeToLive, "The time-to-live ends past the last date the clock can express; use no time-to-live for a key that never expires.");
    }

    /// <summary>What a read of <paramref name="version"/> answers about its time-to-live: a miss for no value, null for none, else the time left.</summary>
    internal FluxValue<TimeSpan?> TimeToLiveOf<TValue>(VersionEntry<TValue>? version) => version is null ? default : TimeToLive(version.ExpiresAt);

    /// <summary>What a read of a value expiring at <paramref name="expiresAt"/> (UTC ticks, zero for never) answers about its time-to-live.</summary>
    internal FluxValue<TimeSpan?> TimeToLive(long expiresAt) =>
        new(expiresAt == 0 ? null : TimeSpan.FromTicks(Math.Max(0, expiresAt - Now)));

    /// <summary>Notes that a version with a time-to-live exists, so snapshots read the clock from now on (under the commit lock).</summary>
    internal void NoteTimeToLive()
    {
        _gate.AssertHeld();
        _timeToLiveInUse = true;
    }

    /// <summary>
    /// Takes the next commit timestamp (under the commit lock). With <paramref name="recordTime"/>
    /// (commits become visible late and time-to-lives are in use) it also notes the commit's time,
    /// <paramref name="now"/> when the caller read the clock already, which snapshots that cannot
    /// see the commit yet need (see <see cref="ExpiryClockFor"/>).
    /// </summary>
    internal long Next(bool recordTime, long now)
    {
        _gate.AssertHeld();
        var commit = ++_lastCommit;
        if (recordTime)
        {
            DropVisibleTimes(_visible);
            _pendingTimes.Enqueue((commit, now != 0 ? now : Now));
        }

        return commit;
    }

    /// <summary>
    /// Makes <paramref name="commit"/>, a timestamp another member took, the next one
    /// <see cref="Next"/> gives (under the commit lock); timestamps it skips were taken and never logged.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="commit"/> is not newer than the newest commit held.</exception>
    internal void SkipTo(long commit)
    {
        _gate.AssertHeld();
        if (commit <= _lastCommit)
        {
            throw new InvalidOperationException($"Commit {commit} arrived after commit {_lastCommit}: a replicated log delivers commits in timestamp order.");
        }

        _lastCommit = commit - 1;
    }

    /// <summary>
    /// The instant a snapshot judges expiry at (under the commit lock). It must fall between its
    /// own commit and the next one, or a transaction could see a key expired while missing a commit
    /// made before the expiry (Full durability publishes commits late); so it is the earlier of now
    /// and the time of the first commit the snapshot cannot see. Before any time-to-live exists no
    /// version can expire, and a commit made before then carries no time and needs none.
    /// </summary>
    internal long ExpiryClockFor(long snapshot)
    {
        _gate.AssertHeld();
        if (!_timeToLiveInUse)
        {
            return long.MinValue;
        }

        var now = Now;
        DropVisibleTimes(snapshot);
        return _pendingTimes.TryPeek(out var next) && next.Commit == snapshot + 1 ? Math.Min(now, next.Time) : now;
    }

    /// <summary>Makes commits up to <paramref name="commit"/> visible; called in commit order.</summary>
    internal void AdvanceVisible(long commit) => Volatile.Write(ref _visible, commit);

    /// <summary>Sets the clock after recovery replayed commits up to <paramref name="lastCommit"/>: all of them visible.</summary>
    internal void Restore(long lastCommit)
    {
        using (_gate.Enter())
        {
            _lastCommit = lastCommit;
            Volatile.Write(ref _visible, lastCommit);
        }
    }

    private void DropVisibleTimes(long visible)
    {
        while (_pendingTimes.TryPeek(out var pending) && pending.Commit <= visible)
        {
            _pendingTimes.Dequeue();
        }
    }
}

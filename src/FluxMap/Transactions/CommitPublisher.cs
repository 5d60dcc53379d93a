using FluxMap.Diagnostics;
using FluxMap.Durability;

namespace FluxMap.Transactions;

/// <summary>
/// The last step of a commit, under the commit lock: takes its timestamp, hands it to the log in
/// commit order and makes it visible (at once, or once the log says it is durable). It also keeps
/// the database's refusals: closed, its log failed, or a commit failed half-way.
/// </summary>
internal sealed class CommitPublisher<TKey, TValue>
    where TKey : notnull
{
    private readonly CommitLock _gate;
    private readonly CommitClock _clock;
    private readonly ICommitLog<TKey, TValue>? _log;
    private readonly EngineCounters _counters;

    // The commit being installed, from taking its timestamp until it is handed over; zero otherwise.
    private long _publishing;
    private Exception? _halfPublished;
    private bool _closed;

    /// <param name="gate">The commit lock every member but <see cref="HalfPublished"/> runs under.</param>
    /// <param name="clock">Gives timestamps and moves the visible watermark.</param>
    /// <param name="log">Where commits go; null in memory.</param>
    /// <param name="counters">Where commits are counted.</param>
    internal CommitPublisher(CommitLock gate, CommitClock clock, ICommitLog<TKey, TValue>? log, EngineCounters counters)
    {
        _gate = gate;
        _clock = clock;
        _log = log;
        _counters = counters;
    }

    /// <summary>Whether commits are logged, so their write sets must be encoded.</summary>
    internal bool Logs => _log is not null;

    /// <summary>Whether commits must note their wall-clock time: they become visible late and time-to-lives are in use.</summary>
    internal bool RecordsCommitTimes => _clock.TimeToLiveInUse && _log is { PublishesWhenDurable: true };

    /// <summary>Whether no commit can be taken now: closed, or the log failed.</summary>
    internal bool Refuses => _closed || _log?.Failure is not null;

    /// <summary>Gets whether the log takes commits made here now (a replicated member: while it leads).</summary>
    internal bool TakesCommits => _log?.TakesCommits ?? true;

    /// <summary>Why the database stopped accepting commits after one failed half-way, if it did.</summary>
    internal Exception? HalfPublished => Volatile.Read(ref _halfPublished);

    /// <summary>Throws if no commit can be taken: closed, a commit failed half-way, or the log refuses commits.</summary>
    internal void ThrowIfUnavailable()
    {
        ThrowIfStopped();
        _log?.ThrowIfFailed();
    }

    /// <summary>
    /// Throws if the database takes no more commits of any kind: closed, or a commit failed
    /// half-way. A replicated log's delivered commits need only this; its refusal of new commits
    /// (a follower's) is not theirs.
    /// </summary>
    internal void ThrowIfStopped()
    {
        _gate.AssertHeld();
        Disposed.ThrowIf(_closed, typeof(FluxDatabase<TKey, TValue>));
        if (_halfPublished is { } halfPublished)
        {
            throw new InvalidOperationException(halfPublished.Message, halfPublished);
        }
    }

    /// <summary>Takes the next commit timestamp; <paramref name="now"/> is the time the caller read already, or zero.</summary>
    internal long Begin(long now)
    {
        _gate.AssertHeld();
        var commit = _clock.Next(RecordsCommitTimes, now);
        _publishing = commit;
        return commit;
    }

    /// <summary>
    /// Hands the commit to the log (in commit order: the caller holds the lock) and makes it
    /// visible now unless the log does that once it is durable.
    /// </summary>
    /// <returns>A task that completes when the commit may be acknowledged.</returns>
    internal ValueTask Publish(long commit, CommitRecord<TKey, TValue>? record)
    {
        _gate.AssertHeld();
        _counters.Commits++;
        var durable = record is null ? default : _log!.Append(record);
        if (_log is not { PublishesWhenDurable: true })
        {
            _clock.AdvanceVisible(commit);
        }

        _publishing = 0;
        return durable;
    }

    /// <summary>Ends a commit a replicated log delivered: counted, not logged again, and made visible by the log's owner.</summary>
    internal void PublishDelivered()
    {
        _gate.AssertHeld();
        _counters.Commits++;
        _publishing = 0;
    }

    /// <summary>Makes a commit that is never logged (the memory limit's evictions) visible at once.</summary>
    internal void PublishUnlogged(long commit)
    {
        _gate.AssertHeld();
        _clock.AdvanceVisible(commit);
        _publishing = 0;
    }

    /// <summary>Completes once every commit handed over so far may be acknowledged.</summary>
    internal ValueTask WhenDurable() => _log is null ? default : new ValueTask(_log.FlushAsync(CancellationToken.None));

    /// <summary>Refuses every later commit; after this returns, nothing more reaches the log.</summary>
    internal void Close()
    {
        using (_gate.Enter())
        {
            _closed = true;
        }
    }

    /// <summary>
    /// An exception between taking a commit timestamp and handing the commit over (a key comparer,
    /// equality or hash that throws) leaves some of its versions installed, invisible only until a
    /// later commit moves the watermark past them. Refusing every later commit keeps them invisible;
    /// a durable database reopens to the last complete commit. Used as an exception filter: false.
    /// </summary>
    internal bool PoisonIfPublishing(Exception e)
    {
        if (_publishing != 0)
        {
            _halfPublished ??= new InvalidOperationException(
                $"The database no longer accepts commits: commit {_publishing} failed half-way through installing its versions ({e.Message}). " +
                "None of it is visible. Reopen the database; a durable one recovers to the last complete commit.",
                e);
            _publishing = 0;
        }

        return false;
    }
}

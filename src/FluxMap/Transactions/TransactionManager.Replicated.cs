using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>The entry point a replica applies commits through: no validation, the leader did that.</summary>
internal sealed partial class TransactionManager<TKey, TValue>
{
    /// <summary>
    /// Installs a commit another member validated and a replicated log ordered, at its own
    /// timestamp, as one commit: no write-write or SSI check runs (nothing on this member could
    /// conflict with it that the leader did not see), and nothing is handed to the log, which
    /// delivered it. Visibility is the caller's: it moves it with <see cref="CommitClock.AdvanceVisible"/>.
    /// </summary>
    /// <param name="commit">The commit timestamp; newer than every commit this member holds.</param>
    /// <param name="writes">The write set, one pending write per key.</param>
    /// <exception cref="InvalidOperationException"><paramref name="commit"/> is not newer than the newest commit held.</exception>
    internal void InstallReplicated(long commit, WriteSet<TKey, TValue> writes)
    {
        using (_gate.Enter())
        {
            _publisher.ThrowIfStopped();
            try
            {
                // Timestamps are the leader's; one that skips some (a commit the leader took and
                // never logged) leaves a gap no snapshot can tell from a commit that wrote nothing.
                _clock.SkipTo(commit);
                NextCommit(0);
                var horizon = Horizon;
                InstallWrites(writes, commit, horizon);
                _publisher.PublishDelivered();
                EvictOverLimit(horizon);
                _ssi.Prune(_clock.Visible);
            }
            catch (Exception e) when (_publisher.PoisonIfPublishing(e))
            {
                throw;
            }
        }
    }

    /// <summary>
    /// The horizon, read without the commit lock: a replicated log's sender asks under a lock of
    /// its own that commits take inside the commit lock, so it must not take that one. The oldest
    /// active record, the oldest pinned scan and the watermark are each read whole; a scan pins
    /// the watermark, never an older snapshot; a value read while a transaction ends
    /// or the watermark moves is one that was true a moment ago, and the horizon only moves forward.
    /// </summary>
    internal long ReadHorizon() => Math.Min(Math.Min(_ssi.OldestSnapshot, _pins.Oldest), _clock.Visible);
}

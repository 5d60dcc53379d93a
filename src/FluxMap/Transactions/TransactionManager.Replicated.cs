using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>The entry point a replica applies commits through: no validation, the leader did that.</summary>
internal sealed partial class TransactionManager<TKey, TValue>
{
    /// <summary>
    /// Installs a commit another member validated and a replicated log ordered, at its own
    /// timestamp, as one commit: no write-write or SSI check runs (nothing on this member could
    /// conflict with it that the leader did not see), and nothing is handed to the log, which
    /// delivered it. Visibility is the caller's: it moves it with <see cref="AdvanceVisible"/>.
    /// </summary>
    /// <param name="commit">The commit timestamp; newer than every commit this member holds.</param>
    /// <param name="writes">The write set, one pending version per key.</param>
    /// <exception cref="InvalidOperationException"><paramref name="commit"/> is not newer than the newest commit held.</exception>
    internal void InstallReplicated(long commit, VersionedSkipList<TKey, TValue> writes)
    {
        lock (_gate)
        {
            Disposed.ThrowIf(_logClosed, typeof(FluxDatabase<TKey, TValue>));
            if (commit <= _lastCommit)
            {
                throw new InvalidOperationException($"Commit {commit} arrived after commit {_lastCommit}: a replicated log delivers commits in timestamp order.");
            }

            try
            {
                // Timestamps are the leader's; one that skips some (a commit the leader took and
                // never logged) leaves a gap no snapshot can tell from a commit that wrote nothing.
                _lastCommit = commit - 1;
                NextCommit(0);
                var horizon = Horizon;
                InstallWrites(writes, commit, horizon);
                _counters.Commits++;
                _publishing = 0;
                EvictOverLimit(horizon);
                _ssi.Prune(_visible);
            }
            catch (Exception e) when (PoisonIfPublishing(e))
            {
                throw;
            }
        }
    }
}

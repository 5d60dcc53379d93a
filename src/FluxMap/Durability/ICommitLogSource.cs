using FluxMap.Serialization;

namespace FluxMap.Durability;

/// <summary>
/// Where a database keeps its commits: at open it replays what it holds after the checkpoint,
/// then it starts taking new commits. The write-ahead log's files are one source; a replicated
/// log is another.
/// </summary>
internal interface ICommitLogSource<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Checks, before the open writes anything, that what the source finds is its own; a file it did not write is a <see cref="CorruptionException"/>.</summary>
    void CheckFiles();

    /// <summary>Replays, in commit order, every commit after <paramref name="afterLsn"/>, which the checkpoint covers.</summary>
    /// <returns>The newest commit replayed, or <paramref name="afterLsn"/> when there was none.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was changed.</exception>
    long Recover(long afterLsn, ReplayWrite<TKey, TValue> apply, CancellationToken cancellationToken);

    /// <summary>Starts taking commits after <paramref name="lastLsn"/>; called once, after <see cref="Recover"/>, last in open.</summary>
    /// <param name="lastLsn">The newest commit the database holds.</param>
    /// <param name="publishDurable">Makes commits up to a timestamp visible, for a log that publishes only durable ones.</param>
    /// <param name="subscriber">Takes every durable commit, in order; null without a data file.</param>
    ICommitLog<TKey, TValue> Start(long lastLsn, Action<long> publishDurable, ICommitSubscriber<TKey, TValue>? subscriber);
}

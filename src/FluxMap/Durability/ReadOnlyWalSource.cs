using FluxMap.Serialization;

namespace FluxMap.Durability;

/// <summary>
/// The write-ahead log's files in <paramref name="directory"/> for a read-only open: replays what
/// they hold after the checkpoint, with the checks of any open, and writes nothing (a torn tail
/// stays on disk as it is); the log it starts refuses every commit.
/// </summary>
internal sealed class ReadOnlyWalSource<TKey, TValue>(WalRecovery<TKey, TValue> recovery, string directory, IProgress<OpenProgress>? progress) : ICommitLogSource<TKey, TValue>
    where TKey : notnull
{
    public void CheckFiles() => recovery.CheckFiles();

    public long Recover(long afterLsn, ReplayWrite<TKey, TValue> apply, CancellationToken cancellationToken) =>
        recovery.ReplayWithoutRepair(afterLsn, apply, progress, cancellationToken);

    public ICommitLog<TKey, TValue> Start(long lastLsn, Action<long> publishDurable, ICommitSubscriber<TKey, TValue>? subscriber) =>
        new ReadOnlyCommitLog<TKey, TValue>(directory, lastLsn);
}

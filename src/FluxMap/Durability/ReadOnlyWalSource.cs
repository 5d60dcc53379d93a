using FluxMap.Serialization;
using Microsoft.Extensions.Logging;

namespace FluxMap.Durability;

/// <summary>
/// The write-ahead log's files for a read-only open: replays what they hold after the checkpoint,
/// with the checks of any open, and writes nothing (a torn tail stays on disk as it is); the log
/// it starts refuses every commit.
/// </summary>
internal sealed class ReadOnlyWalSource<TKey, TValue>(
    StorageSystem storage,
    string directory,
    FluxMapOptions options,
    WalCodec<TKey, TValue> codec,
    ILogger logger,
    IProgress<OpenProgress>? progress) : ICommitLogSource<TKey, TValue>
    where TKey : notnull
{
    private readonly WalRecovery<TKey, TValue> _recovery = new(storage, directory, options, codec, logger);

    public void CheckFiles() => _recovery.CheckFiles();

    public long Recover(long afterLsn, ReplayWrite<TKey, TValue> apply, CancellationToken cancellationToken) =>
        _recovery.ReplayWithoutRepair(afterLsn, apply, progress, cancellationToken);

    public ICommitLog<TKey, TValue> Start(long lastLsn, Action<long> publishDurable, ICommitSubscriber<TKey, TValue>? subscriber) =>
        new ReadOnlyCommitLog<TKey, TValue>(directory, lastLsn);
}

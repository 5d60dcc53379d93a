using FluxMap.Diagnostics;
using FluxMap.Serialization;
using Microsoft.Extensions.Logging;

namespace FluxMap.Durability;

/// <summary>The write-ahead log's files in the data directory as the database's commit log.</summary>
internal sealed class WalLogSource<TKey, TValue>(
    StorageSystem storage,
    string directory,
    FluxMapOptions options,
    WalCodec<TKey, TValue> codec,
    TimeProvider timeProvider,
    ILogger logger,
    EngineCounters counters,
    FluxMetrics metrics,
    IProgress<OpenProgress>? progress) : ICommitLogSource<TKey, TValue>
    where TKey : notnull
{
    private readonly WalRecovery<TKey, TValue> _recovery = new(storage, directory, options, codec, logger);
    private WalRecoveryResult? _recovered;

    public void CheckFiles() => _recovery.CheckFiles();

    public long Recover(long afterLsn, ReplayWrite<TKey, TValue> apply, CancellationToken cancellationToken)
    {
        _recovered = _recovery.Recover(afterLsn, apply, progress, cancellationToken);
        return _recovered.LastLsn;
    }

    public ICommitLog<TKey, TValue> Start(long lastLsn, Action<long> publishDurable, ICommitSubscriber<TKey, TValue>? subscriber)
    {
        var recovered = _recovered ?? throw new InvalidOperationException("The log starts after it was recovered.");
        return new WalWriter<TKey, TValue>(
            storage, directory, options, recovered with { LastLsn = lastLsn }, publishDurable, subscriber, timeProvider, logger, counters, metrics);
    }
}

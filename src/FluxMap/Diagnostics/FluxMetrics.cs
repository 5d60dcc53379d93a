using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FluxMap.Diagnostics;

/// <summary>
/// The "FluxMap" meter of one database. Totals are observed from <see cref="EngineCounters"/>, so
/// the hot path pays for an instrument only while a listener records it; durations are histograms
/// timed only when enabled. Every measurement carries the database's name.
/// </summary>
internal sealed class FluxMetrics : IDisposable
{
    internal const string MeterName = "FluxMap";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<double> _syncDuration;
    private readonly KeyValuePair<string, object?> _database;

    internal FluxMetrics(IMeterFactory? factory, string name, EngineCounters counters, Func<long?> memoryBytes)
    {
        _database = new("fluxmap.database", name);
        var options = new MeterOptions(MeterName) { Tags = [_database] };
        _ownsMeter = factory is null;
        _meter = factory?.Create(options) ?? new Meter(options);
        _commitDuration = _meter.CreateHistogram<double>("fluxmap.commit.duration", "ms", "Time from commit call to acknowledgement (in Full durability: synced)");
        _syncDuration = _meter.CreateHistogram<double>("fluxmap.wal.sync.duration", "ms", "Time one write-ahead log sync (fsync) takes");
        _meter.CreateObservableCounter("fluxmap.commits", () => Observe(counters.Commits), "{commit}", "Commits that wrote something");
        _meter.CreateObservableCounter(
            "fluxmap.aborts",
            () => (IEnumerable<Measurement<long>>)
            [
                new(Volatile.Read(ref counters.WriteWriteAborts), _database, new("fluxmap.conflict", "write_write")),
                new(Volatile.Read(ref counters.ReadWriteAborts), _database, new("fluxmap.conflict", "read_write")),
            ],
            "{transaction}",
            "Transactions aborted by a serialization conflict, by reason");
        _meter.CreateObservableCounter("fluxmap.reads", () => Observe(counters.Reads.Read()), "{read}", "Point reads");
        _meter.CreateObservableCounter("fluxmap.retries", () => Observe(counters.Retries), "{retry}", "Transaction bodies run again after a conflict");
        _meter.CreateObservableCounter("fluxmap.wal.bytes", () => Observe(counters.WalBytes), "By", "Bytes appended to the write-ahead log");
        _meter.CreateObservableCounter("fluxmap.wal.syncs", () => Observe(counters.WalSyncs), "{sync}", "Write-ahead log syncs");
        _meter.CreateObservableCounter("fluxmap.evictions", () => Observe(counters.Evictions), "{key}", "Keys evicted by the memory limit");
        _meter.CreateObservableCounter("fluxmap.vacuum.reclaimed", () => Observe(counters.VersionsReclaimed), "{version}", "Old versions dropped");
        _meter.CreateObservableUpDownCounter("fluxmap.keys", () => Observe(counters.LiveKeys), "{key}", "Keys holding a value");
        _meter.CreateObservableUpDownCounter(
            "fluxmap.memory",
            () => memoryBytes() is { } bytes ? [new Measurement<long>(bytes, _database)] : (IEnumerable<Measurement<long>>)[],
            "By",
            "Estimated bytes of keys and versions held (when memory is accounted)");
    }

    /// <summary>A start timestamp for <see cref="EndCommit"/>, or zero when nobody records commit durations.</summary>
    internal long StartCommit() => _commitDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records the commit's duration once <paramref name="acknowledged"/> completes.</summary>
    internal ValueTask EndCommit(ValueTask acknowledged, long started)
    {
        if (started == 0)
        {
            return acknowledged;
        }

        if (acknowledged.IsCompletedSuccessfully)
        {
            _commitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _database);
            return acknowledged;
        }

        return RecordWhenDone(acknowledged, started);
    }

    internal void RecordSync(TimeSpan elapsed) => _syncDuration.Record(elapsed.TotalMilliseconds, _database);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private async ValueTask RecordWhenDone(ValueTask acknowledged, long started)
    {
        await acknowledged.ConfigureAwait(false);
        _commitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _database);
    }

    private Measurement<long> Observe(long value) => new(value, _database);
}

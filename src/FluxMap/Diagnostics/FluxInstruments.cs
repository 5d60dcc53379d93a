using System.Diagnostics.Metrics;

namespace FluxMap.Diagnostics;

/// <summary>
/// The instruments of one "FluxMap" meter, created once per meter and shared by every database
/// reporting through it (a host's meter factory hands all of them the same meter), as Npgsql does
/// for its data sources: each observation yields one measurement per open database, tagged with its
/// name. Two databases creating instruments of one name on one meter would leave listeners that
/// follow an instrument by name seeing only one of them, and a closed database's instruments behind.
/// </summary>
internal sealed class FluxInstruments
{
    private static readonly InstrumentsPerMeter<FluxInstruments> PerMeter = new(static m => new FluxInstruments(m));

    // From 50 µs (a sync on a fast NVMe drive, an in-memory commit) to 10 s.
    private static readonly InstrumentAdvice<double> DurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private FluxInstruments(Meter meter)
    {
        CommitDuration = meter.CreateHistogram("fluxmap.commit.duration", "s", "Time from commit call to acknowledgement (in Full durability: synced)", advice: DurationBuckets);
        SyncDuration = meter.CreateHistogram("fluxmap.wal.sync.duration", "s", "Time one write-ahead log sync (fsync) takes", advice: DurationBuckets);
        meter.CreateObservableCounter("fluxmap.commits", () => Observe(c => c.Commits), "{commit}", "Commits that wrote something");
        meter.CreateObservableCounter("fluxmap.aborts", ObserveAborts, "{transaction}", "Transactions aborted by a serialization conflict, by reason");
        meter.CreateObservableCounter("fluxmap.reads", () => Observe(c => c.Reads.Read()), "{read}", "Point reads");
        meter.CreateObservableCounter("fluxmap.retries", () => Observe(c => c.Retries), "{retry}", "Transaction bodies run again after a conflict");
        meter.CreateObservableCounter("fluxmap.wal.bytes", () => Observe(c => c.WalBytes), "By", "Bytes appended to the write-ahead log");
        meter.CreateObservableCounter("fluxmap.wal.syncs", () => Observe(c => c.WalSyncs), "{sync}", "Write-ahead log syncs");
        meter.CreateObservableCounter("fluxmap.evictions", () => Observe(c => c.Evictions), "{key}", "Keys evicted by the memory limit");
        meter.CreateObservableCounter("fluxmap.vacuum.reclaimed", () => Observe(c => c.VersionsReclaimed), "{version}", "Old versions dropped");
        meter.CreateObservableUpDownCounter("fluxmap.keys", () => Observe(c => c.LiveKeys), "{key}", "Keys holding a value");
        meter.CreateObservableUpDownCounter("fluxmap.memory", ObserveMemory, "By", "Estimated bytes of keys and versions held (when memory is accounted)");
    }

    internal Histogram<double> CommitDuration { get; }

    internal Histogram<double> SyncDuration { get; }

    internal MeterMembers<FluxMetrics> Databases { get; } = new();

    internal static FluxInstruments Of(Meter meter) => PerMeter.Of(meter);

    private IEnumerable<Measurement<long>> Observe(Func<EngineCounters, long> read) =>
        Databases.Current.Select(d => new Measurement<long>(read(d.Counters), d.Tag));

    private IEnumerable<Measurement<long>> ObserveAborts() =>
        Databases.Current.SelectMany(d => new Measurement<long>[]
        {
            new(Volatile.Read(ref d.Counters.WriteWriteAborts), d.Tag, new("fluxmap.conflict", "write_write")),
            new(Volatile.Read(ref d.Counters.ReadWriteAborts), d.Tag, new("fluxmap.conflict", "read_write")),
        });

    private IEnumerable<Measurement<long>> ObserveMemory()
    {
        foreach (var database in Databases.Current)
        {
            if (database.MemoryBytes() is { } bytes)
            {
                yield return new(bytes, database.Tag);
            }
        }
    }
}

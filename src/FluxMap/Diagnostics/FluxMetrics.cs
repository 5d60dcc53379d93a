using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FluxMap.Diagnostics;

/// <summary>
/// One database's part of the "FluxMap" meter. Totals are observed from <see cref="EngineCounters"/>,
/// so the hot path pays for an instrument only while a listener records it; durations are
/// histograms in seconds, as OpenTelemetry names them, timed only when enabled. Every measurement
/// carries the database's name as the tag <c>fluxmap.database</c>, and only the measurement: a tag
/// on the meter too would show twice (dotnet-counters lists both). The instruments themselves are
/// the meter's (<see cref="FluxInstruments"/>), shared with the other databases using it.
/// </summary>
internal sealed class FluxMetrics : IDisposable
{
    internal const string MeterName = "FluxMap";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly FluxInstruments _instruments;

    internal FluxMetrics(IMeterFactory? factory, string name, EngineCounters counters, Func<long?> memoryBytes)
    {
        Tag = new("fluxmap.database", name);
        Counters = counters;
        MemoryBytes = memoryBytes;
        var options = new MeterOptions(MeterName);
        _ownsMeter = factory is null;
        _meter = factory?.Create(options) ?? new Meter(options);
        _instruments = FluxInstruments.Of(_meter);
        _instruments.Databases.Add(this);
    }

    internal KeyValuePair<string, object?> Tag { get; }

    internal EngineCounters Counters { get; }

    internal Func<long?> MemoryBytes { get; }

    /// <summary>Gets the meter; tests read its instruments through it.</summary>
    internal Meter Meter => _meter;

    /// <summary>A start timestamp for <see cref="EndCommit"/>, or zero when nobody records commit durations.</summary>
    internal long StartCommit() => _instruments.CommitDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records the commit's duration once <paramref name="acknowledged"/> completes.</summary>
    internal ValueTask EndCommit(ValueTask acknowledged, long started)
    {
        if (started == 0)
        {
            return acknowledged;
        }

        if (acknowledged.IsCompletedSuccessfully)
        {
            _instruments.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag);
            return acknowledged;
        }

        return RecordWhenDone(acknowledged, started);
    }

    internal void RecordSync(TimeSpan elapsed) => _instruments.SyncDuration.Record(elapsed.TotalSeconds, Tag);

    public void Dispose()
    {
        // A factory's meter outlives the database: from now on its instruments leave it out.
        _instruments.Databases.Remove(this);
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private async ValueTask RecordWhenDone(ValueTask acknowledged, long started)
    {
        await acknowledged.ConfigureAwait(false);
        _instruments.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag);
    }
}

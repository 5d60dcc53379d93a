using System.Diagnostics;
using System.Diagnostics.Metrics;
using FluxMap.Diagnostics;

namespace FluxMap.Replication.Diagnostics;

/// <summary>
/// One member's part of the "FluxMap" meter (the core's meter name, through the same meter
/// factory): its replication instruments, each measurement tagged with the database's name as the
/// core's are (<c>fluxmap.database</c>).
/// </summary>
internal sealed class ReplicationMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly ReplicationInstruments _instruments;

    internal ReplicationMetrics(IMeterFactory? factory, string name, Func<ReplicationStatus> status)
    {
        Tag = new("fluxmap.database", name);
        Status = status;
        var options = new MeterOptions(FluxMetrics.MeterName);
        _ownsMeter = factory is null;
        _meter = factory?.Create(options) ?? new Meter(options);
        _instruments = ReplicationInstruments.Of(_meter);
        _instruments.Members.Add(this);
    }

    internal KeyValuePair<string, object?> Tag { get; }

    internal Func<ReplicationStatus> Status { get; }

    /// <summary>Times one entry's replication, from the leader sending it to its commit; only while someone records the histogram.</summary>
    internal ValueTask TimeReplication(Func<ValueTask> replicate)
    {
        if (!_instruments.ReplicateDuration.Enabled)
        {
            return replicate();
        }

        var started = Stopwatch.GetTimestamp();
        return RecordWhenDone(replicate(), started);
    }

    /// <summary>Counts a leader elected; a change to no leader (an election starting) is not counted.</summary>
    internal void LeaderChanged(bool known)
    {
        if (known)
        {
            _instruments.LeaderChanges.Add(1, Tag);
        }
    }

    public void Dispose()
    {
        // A factory's meter outlives the member: from now on its instruments leave it out.
        _instruments.Members.Remove(this);
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private async ValueTask RecordWhenDone(ValueTask replicated, long started)
    {
        await replicated.ConfigureAwait(false);
        _instruments.ReplicateDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag);
    }
}

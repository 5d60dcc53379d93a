using System.Diagnostics.Metrics;
using FluxMap.Diagnostics;

namespace FluxMap.Replication.Diagnostics;

/// <summary>
/// The replication instruments of one "FluxMap" meter, created once per meter and shared by every
/// member reporting through it, as the core's instruments are: each observation yields one
/// measurement per open member, tagged with its database's name.
/// </summary>
internal sealed class ReplicationInstruments
{
    internal const string RoleTag = "fluxmap.replication.role";

    private static readonly InstrumentsPerMeter<ReplicationInstruments> PerMeter = new(static m => new ReplicationInstruments(m));

    // From 100 µs (loopback, an idle disk) to 10 s (a request timeout and a retry).
    private static readonly InstrumentAdvice<double> DurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly ReplicaRole[] Roles = Enum.GetValues<ReplicaRole>();

    private ReplicationInstruments(Meter meter)
    {
        ReplicateDuration = meter.CreateHistogram(
            "fluxmap.replication.duration", "s", "Time from the leader sending a Raft log entry (a batch of commits) to its commit by a majority", advice: DurationBuckets);
        LeaderChanges = meter.CreateCounter<long>("fluxmap.replication.leader.changes", "{change}", "Leaders this member saw elected");
        meter.CreateObservableGauge("fluxmap.replication.lag", () => Observe(s => s.Lag), "{entry}", "Committed Raft log entries this member has not applied yet");
        meter.CreateObservableGauge("fluxmap.replication.term", () => Observe(s => s.Term), "{term}", "The Raft term this member is in");
        meter.CreateObservableGauge("fluxmap.replication.role", ObserveRoles, "{member}", "1 for the role this member has now, 0 for the others");
    }

    internal Histogram<double> ReplicateDuration { get; }

    internal Counter<long> LeaderChanges { get; }

    internal MeterMembers<ReplicationMetrics> Members { get; } = new();

    internal static ReplicationInstruments Of(Meter meter) => PerMeter.Of(meter);

    private IEnumerable<Measurement<long>> Observe(Func<ReplicationStatus, long> read) =>
        Members.Current.Select(m => new Measurement<long>(read(m.Status()), m.Tag));

    // Every role with 0 or 1, so a sum by role across members counts the cluster's leaders.
    private IEnumerable<Measurement<int>> ObserveRoles() =>
        Members.Current.SelectMany(m =>
        {
            var role = m.Status().Role;
            return Roles.Select(r => new Measurement<int>(r == role ? 1 : 0, m.Tag, new(RoleTag, Name(r))));
        });

    private static string Name(ReplicaRole role) => role switch
    {
        ReplicaRole.Follower => "follower",
        ReplicaRole.Candidate => "candidate",
        ReplicaRole.Leader => "leader",
        ReplicaRole.Replacing => "replacing",
        _ => "closed",
    };
}

using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace FluxMap.Cluster.Tests;

/// <summary>The replication instruments on the "FluxMap" meter, read from three hosted members sharing one meter factory.</summary>
[Trait("Category", "Cluster")]
public sealed class ReplicationMetricsTests
{
    private static CancellationToken Ct => TestCluster.Ct;

    [Fact]
    public async Task Role_term_lag_leader_changes_and_replication_time_are_measured_per_member()
    {
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        using var roles = new MetricCollector<int>(factory, "FluxMap", "fluxmap.replication.role");
        using var terms = new MetricCollector<long>(factory, "FluxMap", "fluxmap.replication.term");
        using var lags = new MetricCollector<long>(factory, "FluxMap", "fluxmap.replication.lag");
        using var changes = new MetricCollector<long>(factory, "FluxMap", "fluxmap.replication.leader.changes");
        using var durations = new MetricCollector<double>(factory, "FluxMap", "fluxmap.replication.duration");
        await using var hosts = ReplicaHosts.Build(3, (_, services) => services.AddSingleton(factory));
        await hosts.StartAsync();
        var leaderIndex = await hosts.LeaderAsync();
        var leader = hosts.Member(leaderIndex);
        for (var i = 0; i < 5; i++)
        {
            await leader.TransactionAsync(async (tx, ct) => { await tx.InsertAsync($"k{i}", i, ct); return 0; }, Ct);
        }

        // A majority acknowledged the commits; the third member may not have heard from the leader yet.
        for (var i = 0; i < 3; i++)
        {
            await hosts.Member(i).WaitForLeaderAsync(Ct);
        }

        roles.RecordObservableInstruments();
        var current = roles.GetMeasurementSnapshot().Where(m => m.Value == 1).ToDictionary(m => Database(m.Tags), m => (string)m.Tags["fluxmap.replication.role"]!);
        Assert.Equal(
            Enumerable.Range(0, 3).ToDictionary(ReplicaHosts.Name, i => i == leaderIndex ? "leader" : "follower"),
            current);
        Assert.Equal(3 * 5, roles.GetMeasurementSnapshot().Count);

        terms.RecordObservableInstruments();
        Assert.Equal(Names(), terms.GetMeasurementSnapshot().Select(m => Database(m.Tags)).Order());
        Assert.All(terms.GetMeasurementSnapshot(), m => Assert.True(m.Value >= 1, $"term {m.Value}"));

        lags.RecordObservableInstruments();
        Assert.Equal(Names(), lags.GetMeasurementSnapshot().Select(m => Database(m.Tags)).Order());
        Assert.All(lags.GetMeasurementSnapshot(), m => Assert.True(m.Value >= 0));

        // Each member counts the election it saw; the leader times the entries it replicated.
        while (changes.GetMeasurementSnapshot().Select(m => Database(m.Tags)).Distinct().Count() < 3)
        {
            await changes.WaitForMeasurementsAsync(changes.GetMeasurementSnapshot().Count + 1, Ct);
        }

        await durations.WaitForMeasurementsAsync(1, Ct);
        Assert.All(durations.GetMeasurementSnapshot(), m => Assert.Equal(ReplicaHosts.Name(leaderIndex), Database(m.Tags)));
        Assert.All(durations.GetMeasurementSnapshot(), m => Assert.InRange(m.Value, 0, 30));

        // A stopped member leaves the instruments.
        var stopped = (leaderIndex + 1) % 3;
        await hosts.Hosts[stopped].StopAsync(Ct);
        terms.Clear();
        terms.RecordObservableInstruments();
        Assert.DoesNotContain(ReplicaHosts.Name(stopped), terms.GetMeasurementSnapshot().Select(m => Database(m.Tags)));
        Assert.Equal(2, terms.GetMeasurementSnapshot().Count);
    }

    private static string Database(IReadOnlyDictionary<string, object?> tags) => (string)tags["fluxmap.database"]!;

    private static IEnumerable<string> Names() => Enumerable.Range(0, 3).Select(ReplicaHosts.Name);
}

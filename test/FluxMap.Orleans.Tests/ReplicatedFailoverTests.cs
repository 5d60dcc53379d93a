using FluxMap.Replication;
using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// Grains writing through two silos over one replicated FluxMap while a silo dies or the Raft
/// leader goes away: nothing Orleans acknowledged is lost, and writes go on.
/// </summary>
[Collection(nameof(ReplicatedClusters))]
public sealed class ReplicatedFailoverTests
{
    /// <summary>Appends each writer gets acknowledged before the failure, and again after it.</summary>
    private const int Appends = 4;

    [Fact]
    public async Task AGrainOnAKilledSiloReactivatesOnTheOtherWithEveryAcknowledgedWrite()
    {
        await using var silos = await ReplicatedSilos.StartAsync();
        var grain = silos.Cluster.Client.GetGrain<IJournalGrain>("killed");
        var host = await grain.Silo();
        var writer = JournalWriter.Start(grain);
        await writer.WaitForAcknowledgedAsync(Appends, Ct);

        // The silo's member runs in this process, so killing the silo would not take the member
        // with it as a crash takes a process: close the member first, under the grain's writes,
        // then kill the silo (no graceful deactivation, no membership goodbye).
        var silo = silos.Silo(host);
        await silos.MemberOf(silo).DisposeAsync();
        await silos.Cluster.KillSiloAsync(silo, Ct);
        var beforeKill = writer.Acknowledged;
        await writer.WaitForAcknowledgedAsync(beforeKill + Appends, Ct);
        await writer.StopAsync();

        Assert.NotEqual(host, await grain.Silo());
        await silos.Cluster.DeactivateAsync(grain);
        writer.AssertKept(await grain.Entries());
        TestContext.Current.TestOutputHelper?.WriteLine(writer.Describe());
    }

    [Fact]
    public async Task GrainsOnBothSilosKeepEveryAcknowledgedWriteAcrossALeaderChange()
    {
        await using var silos = await ReplicatedSilos.StartAsync();
        var grains = new List<IJournalGrain>();
        for (var i = 0; i < 4; i++)
        {
            var grain = silos.Cluster.Client.GetGrain<IJournalGrain>($"leader-change-{i}");
            var silo = silos.Cluster.Silos[i % 2].SiloAddress;
            Assert.Equal(silo, await ReplicatedSilos.PlacedOn(silo, grain.Silo));
            grains.Add(grain);
        }

        var writers = grains.Select(JournalWriter.Start).ToList();
        await Task.WhenAll(writers.Select(w => w.WaitForAcknowledgedAsync(Appends, Ct)));

        // Members 0 and 1 live in the silos: stopping one's silo stops it; member 2 is the test's own.
        var leader = silos.Members.Single(m => m.IsLeader);
        var leaderSilo = silos.Cluster.Silos.SingleOrDefault(s => ReferenceEquals(silos.MemberOf(s), leader));
        if (leaderSilo is null)
        {
            await leader.DisposeAsync();
        }
        else
        {
            await silos.Cluster.StopSiloAsync(leaderSilo, Ct);
        }

        var marks = writers.Select(w => w.Acknowledged).ToList();
        await Task.WhenAll(writers.Select((w, i) => w.WaitForAcknowledgedAsync(marks[i] + Appends, Ct)));
        await Task.WhenAll(writers.Select(w => w.StopAsync()));

        foreach (var (grain, writer) in grains.Zip(writers))
        {
            await silos.Cluster.DeactivateAsync(grain);
            writer.AssertKept(await grain.Entries());
            TestContext.Current.TestOutputHelper?.WriteLine(writer.Describe());
            AssertFailedAsUnacknowledged(writer);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(leaderSilo is null ? "The test's member led and was closed." : $"{leaderSilo.Name}'s member led; the silo was stopped.");
    }

    /// <summary>
    /// Checks that each failed append reached the caller as what a write the leader change left
    /// unacknowledged may: FluxMap's transient conflict (not made) or unknown outcome (Orleans
    /// wraps both, and carries them typed), the member closing under it (unknown too), a read
    /// barrier or call that timed out, a call the stopping silo rejected; and, once an outcome was unknown,
    /// the ETag conflict by which the grain's next write refuses to overwrite that write if it
    /// committed after the grain read its state again.
    /// </summary>
    private static void AssertFailedAsUnacknowledged(JournalWriter writer)
    {
        var unknownBefore = false;
        foreach (var (entry, error) in writer.Failures)
        {
            var causes = JournalWriter.Causes(error).ToList();
            var unknown = causes.Exists(e => e is CommitOutcomeUnknownException or ObjectDisposedException or TimeoutException);
            var refused = causes.Exists(e => e is FluxMapException { IsTransient: true } or SiloUnavailableException or OrleansMessageRejectionException);
            var stale = unknownBefore && causes.Exists(e => e is InconsistentStateException);
            Assert.True(unknown || refused || stale, $"append {entry} failed with what no unacknowledged write should: {error}");
            unknownBefore |= unknown;
        }
    }
}

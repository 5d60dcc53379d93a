using System.Diagnostics;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Members as separate processes under hard failures: the leader SIGKILLed mid-load, the leader
/// frozen (SIGSTOP: cut off from its peers and its clients) while the others go on. Nothing
/// acknowledged is lost, every member ends with the same ledgers and the same total.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ProcessFailureTests(ITestOutputHelper output)
{
    private const int Seed = 15_001;

    [Fact]
    public async Task A_SIGKILLed_leader_gives_way_within_seconds_no_acknowledged_transfer_is_lost_and_it_catches_up_on_restart()
    {
        await using var cluster = await ProcessCluster.StartAsync();
        var log = new TransferLog();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var clients = Enumerable.Range(0, 3).Select(c => new BankClient(cluster, c, Seed + c, log).RunAsync(stop.Token)).ToList();

        await log.WaitForAcknowledgedAsync(30);
        var leader = (await cluster.LeaderAsync()).Index;
        var killedAt = Stopwatch.GetTimestamp();
        await cluster.KillAsync(leader);
        var takeover = await log.WaitForAcknowledgementAsync(killedAt, except: leader);
        output.WriteLine($"leader {leader} killed; the next acknowledged transfer came {takeover.TotalMilliseconds:F0} ms later");
        Assert.True(takeover < ProcessCluster.TakeoverBound, $"the next commit after the kill took {takeover}");

        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        await cluster.AssertAgreementAsync(log);

        // The restarted member replays its log and the new leader's entries after it (no snapshot: far fewer entries than the interval).
        await cluster.StartMemberAsync(leader);
        await cluster.AssertAgreementAsync(log);
        output.WriteLine($"acknowledged {log.Acknowledged.Count}, failed {log.Failed.Count}, unknown {log.Unknown.Count}");
    }

    [Fact]
    public async Task A_frozen_leader_acknowledges_nothing_while_cut_off_and_the_majority_goes_on_committing()
    {
        await using var cluster = await ProcessCluster.StartAsync();
        var log = new TransferLog();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var clients = Enumerable.Range(0, 3).Select(c => new BankClient(cluster, c, Seed + 10 + c, log).RunAsync(stop.Token)).ToList();

        await log.WaitForAcknowledgedAsync(30);
        var leader = await cluster.LeaderAsync();
        await leader.FreezeAsync();
        var frozenAt = Stopwatch.GetTimestamp();

        // Sent to the old leader while it is cut off: it reads them when it runs again, still
        // believing it leads until it hears the new term, then sends them on to the new leader
        // (writes on any member). None may be acknowledged while it is cut off, none may hang,
        // and whichever it acknowledges afterwards must be on every member.
        var stale = new BankClient(cluster, leader.Index, Seed + 20, log);
        var staleTransfers = Enumerable.Range(0, 5).Select(i => stale.TransferAsync(Task.FromResult(leader), i, i + 1, TimeSpan.FromMinutes(1))).ToList();

        var takeover = await log.WaitForAcknowledgementAsync(frozenAt, except: leader.Index);
        output.WriteLine($"leader {leader.Index} frozen; the majority acknowledged a transfer {takeover.TotalMilliseconds:F0} ms later");
        Assert.True(takeover < ProcessCluster.TakeoverBound, $"the majority's next commit took {takeover}");
        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);

        Assert.DoesNotContain(log.Acknowledged, t => t.Member == leader.Index && t.At > frozenAt);
        Assert.DoesNotContain(staleTransfers, t => t.IsCompleted);
        await leader.ThawAsync();
        var thawedAt = Stopwatch.GetTimestamp();
        await Task.WhenAll(staleTransfers);
        output.WriteLine($"frozen for {Stopwatch.GetElapsedTime(frozenAt, thawedAt).TotalMilliseconds:F0} ms; the transfers sent to it while frozen were answered {Stopwatch.GetElapsedTime(thawedAt).TotalMilliseconds:F0} ms after the thaw");
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        await cluster.AssertAgreementAsync(log);
        output.WriteLine($"acknowledged {log.Acknowledged.Count}, failed {log.Failed.Count}, unknown {log.Unknown.Count}");
    }
}

using System.Diagnostics;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Members as processes behind relays (<see cref="RelayNetwork"/>), one of them cut off from the
/// other two while every member and client runs: the leader, then a follower. The side without a
/// majority acknowledges nothing the majority does not keep, the majority goes on committing, and
/// after the heal every member shows the same ledgers and the same total.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class PartitionTests(ITestOutputHelper output)
{
    private const int Seed = 15_201;

    [Fact]
    public async Task A_leader_cut_off_acknowledges_nothing_while_cut_off_as_the_majority_goes_on_and_follows_after_the_heal()
    {
        await using var cluster = await ProcessCluster.StartAsync(relayed: true);
        var log = new TransferLog();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var clients = Enumerable.Range(0, 3).Select(c => new BankClient(cluster, c, Seed + c, log).RunAsync(stop.Token)).ToList();

        await log.WaitForAcknowledgedAsync(30);
        var leader = await cluster.LeaderAsync();
        cluster.Cut(leader.Index);
        var cutAt = Stopwatch.GetTimestamp();

        // Its own clients keep sending it transfers through the cut. It runs and answers, but no
        // entry it appends after the cut can reach another member, so none of them may be
        // acknowledged while the cut lasts; the clients stop sending before the heal. (Once it
        // follows, it retries them by sending them to the leader: those it still retries at the
        // heal may commit then, through the majority's leader.)
        var staleLog = new TransferLog(idBase: 1_000_000);
        using var staleStop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stale = Enumerable.Range(0, 3).Select(c => SendThroughTheCutAsync(new BankClient(cluster, leader.Index, Seed + 20 + c, staleLog), leader, log, staleStop.Token)).ToList();

        var takeover = await log.WaitForAcknowledgementAsync(cutAt, except: leader.Index);
        output.WriteLine($"leader {leader.Index} cut off; the majority acknowledged a transfer {takeover.TotalMilliseconds:F0} ms later");
        Assert.True(takeover < ProcessCluster.TakeoverBound, $"the majority's next commit took {takeover}");
        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);

        // Hearing from no majority for a heartbeat round, it steps down by itself, still cut off.
        await cluster.WaitUntilAsync(() => !leader.IsLeader);
        output.WriteLine($"{Stopwatch.GetElapsedTime(cutAt).TotalMilliseconds:F0} ms after the cut the old leader follows");
        await staleStop.CancelAsync();
        var healedAt = Stopwatch.GetTimestamp();
        cluster.Heal(leader.Index);

        // Its log lacks the majority's newer entries, so it cannot win an election: another member leads.
        Assert.NotEqual(leader.Index, (await cluster.LeaderAsync()).Index);
        await Task.WhenAll(stale);
        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.NotEqual(0, staleLog.Acknowledged.Count + staleLog.Failed.Count + staleLog.Unknown.Count);
        Assert.DoesNotContain(staleLog.Acknowledged, t => t.At < healedAt);

        // Everything the old leader acknowledged before the cut, and the majority after, is on every
        // member; of what its clients sent it through the cut, what it acknowledged after the heal
        // is there too, and what it refused is nowhere.
        var ledgers = await cluster.AssertAgreementAsync(log);
        var committed = ledgers.SelectMany(ledger => ledger).ToHashSet();
        Assert.All(staleLog.Acknowledged, t => Assert.Contains(t.Id, committed));
        Assert.DoesNotContain(staleLog.Failed, committed.Contains);
        output.WriteLine(
            $"acknowledged {log.Acknowledged.Count} ({log.Acknowledged.Count(t => t.Member == leader.Index)} by the old leader), failed {log.Failed.Count}, unknown {log.Unknown.Count}; " +
            $"sent to the old leader while cut off: acknowledged after the heal {staleLog.Acknowledged.Count}, failed {staleLog.Failed.Count}, unknown {staleLog.Unknown.Count}");
    }

    // One transfer to the cut-off member, then the next once the majority acknowledged one more:
    // once it stops leading it refuses at once, and unpaced the client would flood it with thousands.
    private static async Task SendThroughTheCutAsync(BankClient client, MemberProcess member, TransferLog majority, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var next = majority.Acknowledged.Count + 1;
            await client.TransferAsync(Task.FromResult(member));
            await majority.WaitForAcknowledgedAsync(next).WaitAsync(stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [Fact]
    public async Task A_follower_cut_off_falls_behind_while_the_majority_goes_on_and_catches_up_after_the_heal()
    {
        await using var cluster = await ProcessCluster.StartAsync(relayed: true);
        var log = new TransferLog();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var clients = Enumerable.Range(0, 3).Select(c => new BankClient(cluster, c, Seed + 10 + c, log).RunAsync(stop.Token)).ToList();

        await log.WaitForAcknowledgedAsync(30);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Running.First(m => m != leader);
        cluster.Cut(follower.Index);
        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);

        // The majority committed 30 transfers since the cut; the follower applied none of those it had not received before it.
        var behind = await ProcessCluster.PositionAsync(follower);
        var ahead = await ProcessCluster.PositionAsync(await cluster.LeaderAsync());
        output.WriteLine($"follower {follower.Index} cut off: it shows position {behind}, the leader {ahead}");
        Assert.True(behind < ahead, $"the cut-off follower shows position {behind}, the leader {ahead}");

        cluster.Heal(follower.Index);
        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        // AssertAgreementAsync waits for the follower to show the leader's position: it caught up by the log.
        await cluster.AssertAgreementAsync(log);
        output.WriteLine($"acknowledged {log.Acknowledged.Count}, failed {log.Failed.Count}, unknown {log.Unknown.Count}");
    }
}

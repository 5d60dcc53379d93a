using System.Collections.Concurrent;
using System.Globalization;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// An Elle-style history check across members: clients read ledgers on their own member and
/// transfer (each transfer appends its id to two ledgers) while the leader is SIGKILLed and
/// restarted; the history of what the clients saw, with the final ledgers as the version
/// order, must admit a serial order (<see cref="ListAppendHistory"/>). The checker wants every
/// appended element unique, so transfer t's entry in the ledger of account a is element
/// <c>t * Accounts + a</c>.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterHistoryTests(ITestOutputHelper output)
{
    private const int Seed = 15_101;

    [Fact]
    public async Task Reads_on_every_member_and_transfers_through_a_leader_kill_form_a_history_without_a_cycle()
    {
        await using var cluster = await ProcessCluster.StartAsync();
        var log = new TransferLog();
        var reads = new ConcurrentQueue<ListAppendTransaction>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var clients = Enumerable.Range(0, 3).Select(c => RunClientAsync(new BankClient(cluster, c, Seed + c, log), reads, stop.Token)).ToList();

        await log.WaitForAcknowledgedAsync(30);
        var leader = await cluster.LeaderAsync();

        // Transfers in flight when the leader dies: their clients never learn what came of them.
        var doomed = new BankClient(cluster, leader.Index, Seed + 10, log);
        var inFlight = Enumerable.Range(0, 3).Select(i => doomed.TransferAsync(Task.FromResult(leader), i, i + 3, MemberProcess.AnswerTimeout)).ToList();
        await cluster.KillAsync(leader.Index);
        await Task.WhenAll(inFlight);
        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);

        // Back, the member catches up and its client reads there again.
        await cluster.StartMemberAsync(leader.Index);
        await log.WaitForAcknowledgedAsync(log.Acknowledged.Count + 30);
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        var ledgers = await cluster.AssertAgreementAsync(log);

        var final = Enumerable.Range(0, ProcessCluster.Accounts).Where(a => ledgers[a].Length > 0).ToDictionary(Key, a => Elements(a, ledgers[a]));
        var committed = log.Acknowledged.Select(t => Transfer($"transfer {t.Id} acknowledged by member {t.Member}", t.Id, (t.From, t.FromRead), (t.To, t.ToRead))).ToList();
        var unknownCommitted = 0;
        foreach (var id in log.Unknown)
        {
            // A transfer whose outcome the client never learned, found in the ledgers: it committed,
            // and an append reads its whole ledger first, so what it read is the ledger before its id.
            var where = Enumerable.Range(0, ProcessCluster.Accounts).Where(a => ledgers[a].Contains(id)).ToList();
            Assert.True(where.Count is 0 or 2, $"transfer {id} is in {where.Count} ledgers, not 0 or 2");
            if (where.Count == 2)
            {
                committed.Add(Transfer($"transfer {id}, its outcome unknown to its client", id, Before(where[0]), Before(where[1])));
                unknownCommitted++;
            }

            (int, int[]) Before(int account) => (account, ledgers[account][..Array.IndexOf(ledgers[account], id)]);
        }

        var readCount = reads.Count;
        committed.AddRange(reads);
        var aborted = log.Failed.SelectMany(id => Enumerable.Range(0, ProcessCluster.Accounts).Select(a => Element(id, a)));
        var history = ListAppendHistory.Check(committed, aborted, final);
        output.WriteLine(
            $"seed {Seed}: {log.Acknowledged.Count} acknowledged transfers, {unknownCommitted} of {log.Unknown.Count} unknown ones committed, " +
            $"{log.Failed.Count} failed, {readCount} reads; edges ww {history.WriteWrite}, wr {history.WriteRead}, rw {history.ReadWrite}");
        Assert.True(history.Cycle is null, history.Cycle);
        Assert.True(history.WriteWrite > 0 && history.WriteRead > 0 && history.ReadWrite > 0, "the history lacks a kind of dependency: the workload checks less than it claims");
    }

    // Each client alternates a transfer and a read of three ledgers on its own member.
    private static async Task RunClientAsync(BankClient client, ConcurrentQueue<ListAppendTransaction> reads, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await client.TransferAsync();
            if (await client.ReadAsync() is var (accounts, ledgers))
            {
                var read = new ListAppendTransaction($"read on member {client.Index}");
                for (var i = 0; i < accounts.Length; i++)
                {
                    read.Reads[Key(accounts[i])] = Seen(accounts[i], ledgers[i]);
                }

                reads.Enqueue(read);
            }
        }
    }

    private static ListAppendTransaction Transfer(string label, int id, (int Account, int[] Read) from, (int Account, int[] Read) to)
    {
        var transfer = new ListAppendTransaction(label);
        foreach (var (account, read) in new[] { from, to })
        {
            transfer.Reads[Key(account)] = Seen(account, read);
            transfer.Appends.Add((Key(account), Element(id, account)));
        }

        return transfer;
    }

    private static int[]? Seen(int account, int[] ledger) => ledger.Length == 0 ? null : Elements(account, ledger);

    private static int[] Elements(int account, int[] ledger) => [.. ledger.Select(id => Element(id, account))];

    private static int Element(int id, int account) => (id * ProcessCluster.Accounts) + account;

    private static string Key(int account) => string.Create(CultureInfo.InvariantCulture, $"a{account}");
}

using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Orleans.Transactions;
using OrleansBank;
using static FluxMap.Orleans.Tests.Bank;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// Orleans transactions (<c>[TransactionalState]</c>) on account grains spread over two silos that
/// share one replicated FluxMap: each silo's grains Store through its own Raft member.
/// </summary>
[Collection(nameof(ReplicatedClusters))]
public sealed class ReplicatedTransactionTests
{
    private const int Accounts = 6;

    private const int TransfersPerSilo = 12;

    /// <summary>How often the setup and the reads try a transaction whose failure says nothing about the transfers.</summary>
    private const int Attempts = 5;

    /// <summary>More than all the accounts hold: the withdrawal throws after the deposit, in the middle of the transaction.</summary>
    private const long Overdraft = (Opening * Accounts) + 1;

    [Fact]
    public async Task TransfersStartedThroughBothSilosKeepTheTotalAndEveryAcknowledgedTransfer()
    {
        await using var silos = await ReplicatedSilos.StartAsync();
        for (var i = 0; i < Accounts; i++)
        {
            var silo = silos.Cluster.Silos[i % 2];
            var account = Account(silo, i);
            await ReplicatedSilos.PlacedOn(silo.SiloAddress, () => OpenOnceAsync(Transactions(silo), account));
            Assert.Equal(silo.SiloAddress, silos.HostOf(account));
        }

        // Drawn before anything runs, so a seed names one plan whatever the timing.
        var random = new Random(Seeds.Of(1602));
        var plans = silos.Cluster.Silos.Select(_ => Enumerable.Range(0, TransfersPerSilo).Select(k =>
        {
            var from = random.Next(Accounts);
            var to = (from + 1 + random.Next(Accounts - 1)) % Accounts;
            return new Transfer(from, to, k % 4 == 3 ? Overdraft : random.Next(1, 80));
        }).ToList()).ToList();

        var outcomes = await Task.WhenAll(silos.Cluster.Silos.Select((silo, s) => RunAsync(silo, plans[s])));

        var done = outcomes.SelectMany(o => o).Where(o => o.Outcome == TransferOutcome.Done).Select(o => o.Transfer).ToList();
        var unknown = outcomes.SelectMany(o => o).Where(o => o.Outcome == TransferOutcome.Unknown).Select(o => o.Transfer).ToList();
        Assert.Contains(outcomes.SelectMany(o => o), o => o.Outcome == TransferOutcome.Aborted);
        Assert.NotEmpty(done);
        var acknowledged = Apply(Enumerable.Repeat(Opening, Accounts).ToArray(), done);

        // Read back through each silo in turn: every account activates there again and loads what its member holds.
        foreach (var silo in silos.Cluster.Silos)
        {
            var balances = new long[Accounts];
            for (var i = 0; i < Accounts; i++)
            {
                var account = Account(silo, i);
                await silos.ReactivateOnAsync(account, silo.SiloAddress);
                balances[i] = await ReadAsync(account);
                Assert.Equal(silo.SiloAddress, silos.HostOf(account));
            }

            Assert.Equal(Opening * Accounts, balances.Sum());
            Assert.All(balances, b => Assert.True(b >= 0));
            Assert.True(
                Explains(balances, acknowledged, unknown),
                $"Read through {silo.Name}: [{string.Join(", ", balances)}]; the {done.Count} acknowledged transfers give [{string.Join(", ", acknowledged)}], and no choice of the {unknown.Count} of unknown outcome makes up the difference.");
        }
    }

    /// <summary>Account <paramref name="index"/>, called through <paramref name="silo"/>.</summary>
    private static IAccountGrain Account(InProcessSiloHandle silo, int index) =>
        silo.ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IAccountGrain>($"replicated-{index}");

    private static ITransactionClient Transactions(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<ITransactionClient>();

    /// <summary>Runs the plan's transfers one after another through <paramref name="silo"/>: its transaction client and grain references.</summary>
    private static async Task<List<(Transfer Transfer, TransferOutcome Outcome)>> RunAsync(InProcessSiloHandle silo, List<Transfer> plan)
    {
        var outcomes = new List<(Transfer, TransferOutcome)>();
        foreach (var transfer in plan)
        {
            outcomes.Add((transfer, await TryTransferAsync(Transactions(silo), Account(silo, transfer.From), Account(silo, transfer.To), transfer.Amount)));
        }

        return outcomes;
    }

    /// <summary>
    /// Deposits the opening balance exactly once. On a loaded machine a forwarded Store can time
    /// out and leave the deposit in doubt: a read, which waits for the doubt to resolve, tells
    /// whether it happened.
    /// </summary>
    private static async Task OpenOnceAsync(ITransactionClient transactions, IAccountGrain account)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await OpenAsync(transactions, account);
                return;
            }
            catch (OrleansTransactionException) when (attempt < Attempts)
            {
            }

            if (await ReadAsync(account) == Opening)
            {
                return;
            }
        }
    }

    /// <summary>Reads a balance, again if its read-only transaction fails (a forwarded Store behind it timed out): a read changes nothing.</summary>
    private static async Task<long> ReadAsync(IAccountGrain account)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await account.GetBalance();
            }
            catch (OrleansTransactionException) when (attempt < Attempts)
            {
            }
        }
    }

    private static long[] Apply(long[] balances, IEnumerable<Transfer> transfers)
    {
        var result = (long[])balances.Clone();
        foreach (var transfer in transfers)
        {
            result[transfer.From] -= transfer.Amount;
            result[transfer.To] += transfer.Amount;
        }

        return result;
    }

    /// <summary>Whether <paramref name="balances"/> are <paramref name="acknowledged"/> plus some of the transfers whose outcome is unknown (none, usually).</summary>
    private static bool Explains(long[] balances, long[] acknowledged, List<Transfer> unknown) =>
        balances.SequenceEqual(acknowledged) ||
        unknown.Index().Any(u => Explains(balances, Apply(acknowledged, [u.Item]), unknown[(u.Index + 1)..]));

    private sealed record Transfer(int From, int To, long Amount);
}

using Microsoft.Extensions.DependencyInjection;
using Orleans.Transactions;
using OrleansBank;
using static FluxMap.Orleans.Tests.Bank;

namespace FluxMap.Orleans.Tests;

/// <summary>Orleans transactions over the native FluxMap transactional state storage, with aborts and failures inside Store.</summary>
[Collection(nameof(SharedCluster))]
public sealed class TransactionalStateTests(GrainStorageFixture fixture)
{
    private ITransactionClient Transactions => fixture.Cluster.Client.ServiceProvider.GetRequiredService<ITransactionClient>();

    private async Task<List<IAccountGrain>> OpenAccountsAsync(int count)
    {
        var bank = Guid.NewGuid().ToString("N");
        var accounts = Enumerable.Range(0, count).Select(i => fixture.Cluster.Client.GetGrain<IAccountGrain>($"{bank}-{i}")).ToList();
        foreach (var account in accounts)
        {
            await OpenAsync(Transactions, account);
        }

        return accounts;
    }

    [Fact]
    public async Task TransfersWithAbortsInTheMiddleKeepTheTotal()
    {
        var accounts = await OpenAccountsAsync(5);
        var random = new Random(Seeds.Of(1601));
        (IAccountGrain From, IAccountGrain To, long Amount) Draw()
        {
            var from = random.Next(accounts.Count);
            var to = (from + 1 + random.Next(accounts.Count - 1)) % accounts.Count;
            return (accounts[from], accounts[to], random.Next(1, 80));
        }

        Task<TransferOutcome> TryAsync((IAccountGrain From, IAccountGrain To, long Amount) transfer) =>
            TryTransferAsync(Transactions, transfer.From, transfer.To, transfer.Amount);

        // One at a time, then a few at once: concurrent transfers that lock each other's accounts wait out the lock timeout.
        var outcomes = new List<TransferOutcome>();
        for (var i = 0; i < 24; i++)
        {
            outcomes.Add(await TryAsync(Draw()));
        }

        for (var round = 0; round < 2; round++)
        {
            outcomes.AddRange(await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TryAsync(Draw()))));
        }

        var balances = await BalancesAsync(accounts);
        Assert.Equal(Opening * accounts.Count, balances.Sum());
        Assert.All(balances, b => Assert.True(b >= 0));
        Assert.Contains(TransferOutcome.Aborted, outcomes);
        Assert.Contains(TransferOutcome.Done, outcomes);

        foreach (var account in accounts)
        {
            await fixture.Cluster.DeactivateAsync(account);
        }

        Assert.Equal(balances, await BalancesAsync(accounts));
    }

    [Theory]
    [InlineData("aborted")]
    [InlineData("prepared")]
    [InlineData("committed")]
    [InlineData("header")]
    public async Task AFailureInsideStoreFailsTheTransferAndKeepsTheTotal(string step)
    {
        var accounts = await OpenAccountsAsync(2);
        var before = fixture.Failures;

        fixture.FailAt = step;
        try
        {
            await Assert.ThrowsAnyAsync<OrleansTransactionException>(() => TransferAsync(Transactions, accounts[0], accounts[1], 10));
        }
        finally
        {
            fixture.FailAt = null;
        }

        Assert.True(fixture.Failures > before);
        var afterFailure = await BalancesAsync(accounts);
        Assert.Equal(2 * Opening, afterFailure.Sum());

        await TransferAsync(Transactions, accounts[0], accounts[1], 10);
        foreach (var account in accounts)
        {
            await fixture.Cluster.DeactivateAsync(account);
        }

        var balances = await BalancesAsync(accounts);
        Assert.Equal(2 * Opening, balances.Sum());
        Assert.Equal(afterFailure[1] + 10, balances[1]);
    }
}

using System.Globalization;

namespace FluxMap.Benchmarks;

/// <summary>
/// Transfers between accounts: read two balances, write both, or write nothing when the source
/// cannot cover the amount. Invariant: the total never changes and no balance goes negative.
/// </summary>
internal sealed class TransferWorkload : IContendedWorkload
{
    private const long InitialBalance = 100;
    private const int MaxAmount = 30;

    private readonly HotSet _picks = new(1_000, 10, 0.5);
    private readonly string[] _accounts;

    public TransferWorkload() =>
        _accounts = [.. Enumerable.Range(0, _picks.Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"account:{i:D4}"))];

    public string Name => "Transfers";

    public string Description =>
        $"read two balances, pause, write both (declined, writing nothing, when the source holds less than the amount, 1 to {MaxAmount}); " +
        $"{_picks.Count:N0} accounts of {InitialBalance} each; each account drawn with {_picks}";

    public async ValueTask LoadAsync(FluxHandle<string, long> handle)
    {
        foreach (var account in _accounts)
        {
            await handle.InsertAsync(account, InitialBalance);
        }
    }

    public Func<ContendedTransaction, ValueTask> Next(Random random, int worker)
    {
        var from = _picks.Next(random);
        int to;
        do
        {
            to = _picks.Next(random);
        }
        while (to == from);

        var (source, target, amount) = (_accounts[from], _accounts[to], random.Next(1, MaxAmount + 1));
        return transaction => TransferAsync(transaction, source, target, amount);
    }

    public async ValueTask CheckAsync(FluxHandle<string, long> handle)
    {
        var total = 0L;
        foreach (var account in _accounts)
        {
            var balance = (await handle.GetAsync(account)).Value;
            if (balance < 0)
            {
                throw new InvalidOperationException($"Invariant broken: {account} holds {balance}.");
            }

            total += balance;
        }

        if (total != InitialBalance * _accounts.Length)
        {
            throw new InvalidOperationException($"Invariant broken: the accounts hold {total:N0} in all, not {InitialBalance * _accounts.Length:N0}.");
        }
    }

    private static async ValueTask TransferAsync(ContendedTransaction transaction, string source, string target, long amount)
    {
        var sourceBalance = await transaction.GetAsync(source);
        var targetBalance = await transaction.GetAsync(target);
        await ContendedTransaction.PauseAsync();
        if (sourceBalance < amount)
        {
            return;
        }

        await transaction.SetAsync(source, sourceBalance - amount);
        await transaction.SetAsync(target, targetBalance + amount);
    }
}

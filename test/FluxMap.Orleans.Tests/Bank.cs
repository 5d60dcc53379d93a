using Orleans.Transactions;
using OrleansBank;

namespace FluxMap.Orleans.Tests;

/// <summary>What a transfer between the OrleansBank sample's accounts came to.</summary>
internal enum TransferOutcome
{
    /// <summary>Orleans acknowledged it: it committed.</summary>
    Done,

    /// <summary>It aborted (an overdraft, a lock timeout): nothing of it is kept.</summary>
    Aborted,

    /// <summary>Orleans could not say (in doubt, or the transaction service was unreachable): it may have committed.</summary>
    Unknown,
}

/// <summary>The OrleansBank sample's accounts as the transaction tests use them: opened with a deposit, money moved by transfers.</summary>
internal static class Bank
{
    internal const long Opening = 100;

    /// <summary>Deposits the opening balance into <paramref name="account"/> in a transaction of its own.</summary>
    internal static Task OpenAsync(ITransactionClient transactions, IAccountGrain account) =>
        transactions.RunTransaction(TransactionOption.Create, () => account.Deposit(Opening));

    /// <summary>
    /// Moves <paramref name="amount"/> in one transaction, depositing first: an overdraft then
    /// aborts a transaction that has already changed the other account.
    /// </summary>
    internal static Task TransferAsync(ITransactionClient transactions, IAccountGrain from, IAccountGrain to, long amount) =>
        transactions.RunTransaction(TransactionOption.Create, async () =>
        {
            await to.Deposit(amount);
            await from.Withdraw(amount);
        });

    internal static async Task<TransferOutcome> TryTransferAsync(ITransactionClient transactions, IAccountGrain from, IAccountGrain to, long amount)
    {
        try
        {
            await TransferAsync(transactions, from, to, amount);
            return TransferOutcome.Done;
        }
        catch (OrleansTransactionAbortedException)
        {
            return TransferOutcome.Aborted;
        }
        catch (OrleansTransactionException)
        {
            return TransferOutcome.Unknown;
        }
    }

    internal static async Task<long[]> BalancesAsync(IEnumerable<IAccountGrain> accounts) =>
        await Task.WhenAll(accounts.Select(a => a.GetBalance()));
}

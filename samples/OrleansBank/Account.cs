using Orleans.Transactions.Abstractions;

namespace OrleansBank;

/// <summary>An account's balance, kept by Orleans transactions in the "bank" FluxMap provider.</summary>
[GenerateSerializer]
public sealed class Balance
{
    [Id(0)]
    public long Value { get; set; }
}

/// <summary>A bank account; its balance changes only inside transactions.</summary>
public interface IAccountGrain : IGrainWithStringKey
{
    [Transaction(TransactionOption.Join)]
    Task Deposit(long amount);

    /// <summary>Takes money out; an overdraft throws, which aborts the whole transaction.</summary>
    [Transaction(TransactionOption.Join)]
    Task Withdraw(long amount);

    [Transaction(TransactionOption.CreateOrJoin)]
    Task<long> GetBalance();
}

internal sealed class AccountGrain([TransactionalState("balance", "bank")] ITransactionalState<Balance> balance) : Grain, IAccountGrain
{
    public Task Deposit(long amount) => balance.PerformUpdate(b => b.Value += amount);

    public Task Withdraw(long amount) => balance.PerformUpdate(b =>
    {
        if (b.Value < amount)
        {
            throw new InvalidOperationException($"Overdraft on {this.GetPrimaryKeyString()}: balance {b.Value}, withdrawal {amount}.");
        }

        b.Value -= amount;
    });

    public Task<long> GetBalance() => balance.PerformRead(b => b.Value);
}

using Orleans.Transactions.Abstractions;

namespace FluxMap.Orleans.Benchmarks;

/// <summary>A grain state of a few dozen bytes.</summary>
[GenerateSerializer]
public sealed class Counter
{
    [Id(0)]
    public long Value { get; set; }

    [Id(1)]
    public string Label { get; set; } = "";
}

/// <summary>A grain that writes its state on every call.</summary>
public interface ICounterGrain : IGrainWithIntegerKey
{
    Task Increment();
}

/// <summary>Writes through whichever provider the subclass's state names.</summary>
internal abstract class CounterGrain(IPersistentState<Counter> counter) : Grain, ICounterGrain
{
    public Task Increment()
    {
        counter.State.Value++;
        counter.State.Label = $"counter {this.GetPrimaryKeyLong()}";
        return counter.WriteStateAsync();
    }
}

/// <summary>A counter in FluxMap.</summary>
public interface IFluxCounterGrain : ICounterGrain;

/// <summary>A counter in Orleans' in-memory storage.</summary>
public interface IMemoryCounterGrain : ICounterGrain;

internal sealed class FluxCounterGrain([PersistentState("counter", Providers.FluxMap)] IPersistentState<Counter> counter) : CounterGrain(counter), IFluxCounterGrain;

internal sealed class MemoryCounterGrain([PersistentState("counter", Providers.Memory)] IPersistentState<Counter> counter) : CounterGrain(counter), IMemoryCounterGrain;

/// <summary>An account balance kept by Orleans transactions.</summary>
[GenerateSerializer]
public sealed class Balance
{
    [Id(0)]
    public long Value { get; set; }
}

/// <summary>An account whose balance changes only inside transactions.</summary>
public interface IAccountGrain : IGrainWithIntegerKey
{
    [Transaction(TransactionOption.Join)]
    Task Add(long amount);
}

/// <summary>Keeps the balance in whichever provider the subclass's state names.</summary>
internal abstract class AccountGrain(ITransactionalState<Balance> balance) : Grain, IAccountGrain
{
    public Task Add(long amount) => balance.PerformUpdate(b => b.Value += amount);
}

/// <summary>An account in FluxMap (the native transactional state storage).</summary>
public interface IFluxAccountGrain : IAccountGrain;

/// <summary>An account in Orleans' in-memory storage (wrapped as transactional state storage).</summary>
public interface IMemoryAccountGrain : IAccountGrain;

internal sealed class FluxAccountGrain([TransactionalState("balance", Providers.FluxMap)] ITransactionalState<Balance> balance) : AccountGrain(balance), IFluxAccountGrain;

internal sealed class MemoryAccountGrain([TransactionalState("balance", Providers.Memory)] ITransactionalState<Balance> balance) : AccountGrain(balance), IMemoryAccountGrain;

/// <summary>The provider names the grains use.</summary>
internal static class Providers
{
    internal const string FluxMap = "fluxmap";
    internal const string Memory = "memory";
}

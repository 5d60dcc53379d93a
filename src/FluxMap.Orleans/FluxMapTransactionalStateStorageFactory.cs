using Orleans.Storage;
using Orleans.Transactions.Abstractions;

namespace FluxMap.Grains;

/// <summary>Creates each grain's <see cref="FluxMapTransactionalStateStorage{TState}"/> over the provider's database.</summary>
internal sealed class FluxMapTransactionalStateStorageFactory(
    FluxGrainDatabaseHost host,
    IGrainStorageSerializer serializer,
    StoreFaultInjector? faults) : ITransactionalStateStorageFactory
{
    public ITransactionalStateStorage<TState> Create<TState>(string stateName, IGrainContext context)
        where TState : class, new()
    {
        ArgumentNullException.ThrowIfNull(context);
        return new FluxMapTransactionalStateStorage<TState>(host, StorageKeys.TransactionalPrefix(stateName, context.GrainId), serializer, faults);
    }
}

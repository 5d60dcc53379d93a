namespace FluxMap;

/// <summary>
/// The FluxMap database an Orleans storage provider keeps grain state in: opened when the silo
/// starts, disposed when it stops. The provider opens a local one from
/// <see cref="FluxMapGrainStorageOptions.Database"/> unless
/// <see cref="FluxMapGrainStorageOptions.OpenDatabase"/> hands it another, such as a replicated
/// FluxMap that every silo of the cluster shares.
/// </summary>
public interface IFluxGrainDatabase : IAsyncDisposable
{
    /// <summary>Gets the thread-safe handle the provider runs its reads and transactions through.</summary>
    FluxHandle<string, byte[]> Handle { get; }

    /// <summary>
    /// Gets whether every silo of the cluster reads and writes this same data. A database of one
    /// silo only (<see langword="false"/>) is refused in a cluster of several silos unless
    /// <see cref="FluxMapGrainStorageOptions.AllowLocalStoreInCluster"/> is set.
    /// </summary>
    bool IsSharedByAllSilos { get; }
}

namespace FluxMap;

/// <summary>
/// The FluxMap database an Orleans storage provider keeps grain state in: opened when the silo
/// starts, disposed when it stops. The provider opens a local one from
/// <see cref="FluxMapGrainStorageOptions.Database"/> unless
/// <see cref="FluxMapGrainStorageOptions.OpenDatabase"/> hands it another, such as a
/// <see cref="ReplicatedGrainDatabase"/> that every silo of the cluster shares.
/// </summary>
public interface IFluxGrainDatabase : IAsyncDisposable
{
    /// <summary>
    /// Gets whether every silo of the cluster reads and writes this same data. A database of one
    /// silo only (<see langword="false"/>) is refused in a cluster of several silos unless
    /// <see cref="FluxMapGrainStorageOptions.AllowLocalStoreInCluster"/> is set.
    /// </summary>
    bool IsSharedByAllSilos { get; }

    /// <summary>
    /// Runs <paramref name="body"/> in a serializable read-write transaction: commits when it
    /// returns, rolls back when it throws (the exception reaches the caller unchanged), and runs it
    /// again on a serialization conflict.
    /// </summary>
    /// <typeparam name="TResult">What the body returns.</typeparam>
    /// <param name="body">The work; it may run more than once.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What the committed attempt returned.</returns>
    ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<string, byte[]>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="body"/> in a read-only transaction that sees every write acknowledged
    /// anywhere before the call (linearizable): Orleans reads a grain's state when it activates,
    /// possibly on another silo than the one that wrote it last, and a stale read there would
    /// start the grain from old state.
    /// </summary>
    /// <typeparam name="TResult">What the body returns.</typeparam>
    /// <param name="body">The reads.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>What the body returned.</returns>
    ValueTask<TResult> ReadAsync<TResult>(
        Func<FluxTransaction<string, byte[]>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default);
}

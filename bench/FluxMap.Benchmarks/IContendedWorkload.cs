namespace FluxMap.Benchmarks;

/// <summary>A mix of contended transactions over a small set of keys, with an invariant that serializable execution keeps.</summary>
internal interface IContendedWorkload
{
    /// <summary>The name printed above its table.</summary>
    string Name { get; }

    /// <summary>What the transactions do and how keys are chosen.</summary>
    string Description { get; }

    /// <summary>Stores the initial values.</summary>
    ValueTask LoadAsync(FluxHandle<string, long> handle);

    /// <summary>
    /// The next transaction of worker <paramref name="worker"/>, its choices drawn from
    /// <paramref name="random"/> once, so every attempt of it does the same thing.
    /// </summary>
    Func<ContendedTransaction, ValueTask> Next(Random random, int worker);

    /// <summary>Throws <see cref="InvalidOperationException"/> when the invariant does not hold.</summary>
    ValueTask CheckAsync(FluxHandle<string, long> handle);
}

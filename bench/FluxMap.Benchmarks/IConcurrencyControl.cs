namespace FluxMap.Benchmarks;

/// <summary>How a contended transaction is kept serializable: FluxMap's own SSI, or a baseline over it.</summary>
internal interface IConcurrencyControl
{
    /// <summary>The name printed in the results.</summary>
    string Name { get; }

    /// <summary>Runs one attempt of <paramref name="body"/> in <paramref name="attempt"/>.</summary>
    /// <returns>True when it committed, false when it was aborted.</returns>
    ValueTask<bool> TryAsync(FluxHandle<string, long> handle, ContendedTransaction attempt, Func<ContendedTransaction, ValueTask> body);
}

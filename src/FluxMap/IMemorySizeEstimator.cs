namespace FluxMap;

/// <summary>
/// Tells the memory limit how many bytes a key or value holds, for types the default estimate
/// gets wrong (it counts strings, byte arrays and primitives exactly and other types by their
/// MessagePack size). Estimates must be cheap and return the same figure for the same object.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public interface IMemorySizeEstimator<in TKey, in TValue>
{
    /// <summary>Estimates the bytes a key holds beyond the reference to it.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Bytes; zero or more.</returns>
    long EstimateKeySize(TKey key);

    /// <summary>Estimates the bytes a value holds beyond the reference to it.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Bytes; zero or more.</returns>
    long EstimateValueSize(TValue value);
}

using System.Collections.Concurrent;

namespace FluxMap.Compare.Adapters;

/// <summary>The in-memory ceiling for point operations: a ConcurrentDictionary, no ordering, no transactions.</summary>
internal sealed class ConcurrentDictionaryStore : IStoreAdapter, IStoreSession
{
    private readonly ConcurrentDictionary<byte[], byte[]> _map;

    private ConcurrentDictionaryStore(long capacity) =>
        _map = new ConcurrentDictionary<byte[], byte[]>(Environment.ProcessorCount, (int)Math.Min(capacity, int.MaxValue / 2), ByteArrayComparer.Instance);

    /// <summary>Opens an empty map presized for <paramref name="capacity"/> keys.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync(long capacity) => new(new ConcurrentDictionaryStore(capacity));

    /// <inheritdoc />
    public IStoreSession CreateSession() => this;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(byte[] key) => new(_map.GetValueOrDefault(key));

    /// <inheritdoc />
    public ValueTask PutAsync(byte[] key, byte[] value)
    {
        // Copy the key as a store must: the caller may reuse its array.
        _map[key.AsSpan().ToArray()] = value;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(byte[] key)
    {
        _map.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
    {
        foreach (var (key, value) in batch)
        {
            _map[key.AsSpan().ToArray()] = value;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

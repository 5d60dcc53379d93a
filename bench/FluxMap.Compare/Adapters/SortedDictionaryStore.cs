namespace FluxMap.Compare.Adapters;

/// <summary>
/// The in-memory ceiling for an ordered map with transactions: a SortedDictionary behind one lock,
/// so every operation (and every transfer) is trivially serializable. SortedDictionary cannot
/// seek, so it offers no range scans.
/// </summary>
internal sealed class SortedDictionaryStore : IStoreAdapter, IStoreSession
{
    private readonly SortedDictionary<byte[], byte[]> _map = new(ByteArrayComparer.Instance);
    private readonly Lock _lock = new();

    /// <summary>Opens an empty map.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync() => new(new SortedDictionaryStore());

    /// <inheritdoc />
    public IStoreSession CreateSession() => this;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(byte[] key)
    {
        lock (_lock)
        {
            return new(_map.GetValueOrDefault(key));
        }
    }

    /// <inheritdoc />
    public ValueTask PutAsync(byte[] key, byte[] value)
    {
        var owned = key.AsSpan().ToArray();
        lock (_lock)
        {
            _map[owned] = value;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(byte[] key)
    {
        lock (_lock)
        {
            _map.Remove(key);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount)
    {
        lock (_lock)
        {
            if (Account.TryMove(_map.GetValueOrDefault(from), _map.GetValueOrDefault(to), amount, out var newFrom, out var newTo))
            {
                _map[from] = newFrom;
                _map[to] = newTo;
            }
        }

        return new(new TransferOutcome(1, Committed: true));
    }

    /// <inheritdoc />
    public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
    {
        lock (_lock)
        {
            foreach (var (key, value) in batch)
            {
                _map[key.AsSpan().ToArray()] = value;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

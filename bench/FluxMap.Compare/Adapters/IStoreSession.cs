namespace FluxMap.Compare.Adapters;

/// <summary>
/// One worker's view of a store. Workers never share a session, because several stores tie their
/// unit of work to one caller (SQLite connections, FASTER sessions, LMDB read transactions).
/// Keys and values are byte arrays the session must not keep: stores copy what they keep.
/// </summary>
internal interface IStoreSession
{
    /// <summary>The value under <paramref name="key"/>, or null when there is none.</summary>
    ValueTask<byte[]?> GetAsync(byte[] key);

    /// <summary>Inserts or replaces, committed with the store's durability.</summary>
    ValueTask PutAsync(byte[] key, byte[] value);

    /// <summary>Removes <paramref name="key"/> the fastest way the store offers (blind deletes allowed).</summary>
    ValueTask DeleteAsync(byte[] key);

    /// <summary>Reads up to <paramref name="count"/> entries in key order from <paramref name="from"/>; returns how many.</summary>
    ValueTask<int> ScanAsync(byte[] from, int count) =>
        throw new NotSupportedException("This store has no ordered scan.");

    /// <summary>Moves <paramref name="amount"/> between two account balances in one serializable transaction.</summary>
    ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount) =>
        throw new NotSupportedException("This store has no multi-key transactions.");

    /// <summary>Writes a batch of entries atomically, the fastest way the store offers for bulk loading.</summary>
    ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch);
}

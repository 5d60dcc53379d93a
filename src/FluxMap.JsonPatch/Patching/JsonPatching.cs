namespace FluxMap.Patching;

/// <summary>Applies a prepared patch to a stored document in any of its forms.</summary>
internal static class JsonPatching
{
    /// <summary>Patches through the handle's read-modify-write, which runs the patch again on the newer value when another commit wins.</summary>
    public static ValueTask<TValue> PatchAsync<TKey, TValue, TForm>(FluxHandle<TKey, TValue> handle, TKey key, PreparedPatch patch, CancellationToken cancellationToken)
        where TKey : notnull
        where TForm : IJsonForm<TValue>
    {
        ArgumentNullException.ThrowIfNull(handle);
        return handle.UpdateAsync(key, current => Apply<TKey, TValue, TForm>(key, current, patch), cancellationToken);
    }

    /// <summary>Patches in the transaction: read, patch, write back (keeping the time-to-live); the commit checks that nobody changed the document in between.</summary>
    public static ValueTask<TValue> PatchAsync<TKey, TValue, TForm>(FluxTransaction<TKey, TValue> transaction, TKey key, PreparedPatch patch, CancellationToken cancellationToken)
        where TKey : notnull
        where TForm : IJsonForm<TValue>
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.UpdateAsync(key, current => Apply<TKey, TValue, TForm>(key, current, patch), cancellationToken);
    }

    private static TValue Apply<TKey, TValue, TForm>(TKey key, FluxValue<TValue> current, PreparedPatch patch)
        where TForm : IJsonForm<TValue> =>
        current.TryGetValue(out var value)
            ? TForm.Write(patch.ApplyTo(TForm.Read(value)))
            : throw new KeyNotFoundException($"There is no document under the key '{key}' to apply the JSON Patch to.");
}

namespace FluxMap;

/// <summary>Opens FluxMap databases.</summary>
public static class FluxDatabase
{
    /// <summary>Opens a database with the default key order (ordinal for string, unsigned bytes for byte[], <see cref="Comparer{T}.Default"/> otherwise).</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open database; dispose it to close it.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; the message says which and why.</exception>
    public static ValueTask<FluxDatabase<TKey, TValue>> OpenAsync<TKey, TValue>(FluxMapOptions? options = null, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        CreateBuilder<TKey, TValue>().WithOptions(options ?? new FluxMapOptions()).OpenAsync(cancellationToken);

    /// <summary>Starts describing a database to open: options, key order, clock.</summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <returns>A builder.</returns>
    public static FluxDatabaseBuilder<TKey, TValue> CreateBuilder<TKey, TValue>()
        where TKey : notnull => new();
}

using FluxMap.Transactions;

namespace FluxMap;

/// <summary>Operations for handles of particular value types.</summary>
public static class FluxHandleExtensions
{
    /// <summary>
    /// Adds <paramref name="delta"/> to a 64-bit counter atomically, at the commit point, so
    /// concurrent increments never conflict or retry; an absent key counts from zero. The
    /// time-to-live is kept.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="handle">The handle.</param>
    /// <param name="key">The counter's key.</param>
    /// <param name="delta">What to add; negative to subtract.</param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>The counter's new value.</returns>
    /// <exception cref="OverflowException">The result would not fit in 64 bits; the counter is unchanged.</exception>
    public static ValueTask<long> IncrementAsync<TKey>(this FluxHandle<TKey, long> handle, TKey key, long delta = 1, CancellationToken cancellationToken = default)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(key);
        handle.Engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();

        // An absent counter's value is the default: zero.
        return handle.Update(
            key,
            delta,
            static (current, value, _, delta) => SingleWrite<long>.Put(checked(value + delta), current?.ExpiresAt ?? 0),
            (_, value, _) => value + delta,
            readsValue: true,
            cancellationToken);
    }
}

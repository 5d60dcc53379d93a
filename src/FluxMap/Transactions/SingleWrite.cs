namespace FluxMap.Transactions;

/// <summary>
/// What a <see cref="SingleUpdate{TValue, TState}"/> writes: nothing, a value (expiring at a UTC
/// tick, or zero for never), or a delete; with the commit's payload when the caller encoded it
/// before the commit lock.
/// </summary>
internal readonly record struct SingleWrite<TValue>(bool Write, TValue Value, bool IsDelete, long ExpiresAt, byte[]? Payload = null)
{
    internal static SingleWrite<TValue> None => default;

    internal static SingleWrite<TValue> Delete => new(true, default!, true, 0);

    internal static SingleWrite<TValue> Put(TValue value, long expiresAt, byte[]? payload = null) => new(true, value, false, expiresAt, payload);
}

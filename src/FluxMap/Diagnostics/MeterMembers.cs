namespace FluxMap.Diagnostics;

/// <summary>
/// Who reports through one meter's instruments now (open databases, replicated members): each
/// observation yields one measurement per member, and a closed one leaves the set. Read without a
/// lock; changed under one, by copying.
/// </summary>
/// <typeparam name="T">What reports.</typeparam>
internal sealed class MeterMembers<T>
    where T : class
{
    private readonly Lock _gate = new();
    private T[] _members = [];

    internal T[] Current => Volatile.Read(ref _members);

    internal void Add(T member)
    {
        lock (_gate)
        {
            _members = [.. _members, member];
        }
    }

    internal void Remove(T member)
    {
        lock (_gate)
        {
            _members = [.. _members.Where(m => m != member)];
        }
    }
}

using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// What a single-key update needs of the key's current value. A blind write or a comparison of
/// versions needs none. An update that reads the value needs it at the commit point, yet a
/// paged-out value lives in the data file, and the commit lock is never held across file I/O: the
/// caller loads the value first and passes the version it loaded (<see cref="Loaded"/>) with it.
/// </summary>
internal readonly record struct SingleRead<TValue>(bool ReadsValue, PagedVersion<TValue>? Loaded, TValue Value)
{
    /// <summary>The update decides without the value.</summary>
    internal static SingleRead<TValue> Blind => default;

    /// <summary>The update reads the value; nothing was loaded from the data file.</summary>
    internal static SingleRead<TValue> Unloaded => new(true, null, default!);

    /// <summary>The update reads the value; <paramref name="value"/> was loaded for <paramref name="loaded"/>.</summary>
    internal static SingleRead<TValue> From(PagedVersion<TValue> loaded, TValue value) => new(true, loaded, value);
}

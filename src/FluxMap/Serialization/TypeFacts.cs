using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace FluxMap.Serialization;

/// <summary>What the database needs to know about a key or value type.</summary>
internal static class TypeFacts
{
    private static readonly ConcurrentDictionary<Type, bool> KnownReferenceHolders = new();
    private static readonly MethodInfo IsReferenceOrContainsReferencesMethod =
        typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!;

    /// <summary>Whether an instance of <paramref name="type"/> can refer to other objects.</summary>
    internal static bool HoldsReferences(Type type) =>
        KnownReferenceHolders.GetOrAdd(type, static t => (bool)IsReferenceOrContainsReferencesMethod.MakeGenericMethod(t).Invoke(null, null)!);

    /// <summary>
    /// Whether nobody can change an instance once made: structs with no references (numbers, enums,
    /// dates, Guid, and any struct built only of those), strings, and a few immutable classes.
    /// </summary>
    internal static bool IsImmutable(Type type) =>
        !HoldsReferences(type) || type == typeof(string) || type == typeof(Uri) || type == typeof(Version) || type == typeof(BigInteger) ||
        (Nullable.GetUnderlyingType(type) is { } underlying && IsImmutable(underlying));
}

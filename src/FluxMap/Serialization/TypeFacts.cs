using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace FluxMap.Serialization;

/// <summary>What the database needs to know about a key or value type, and how to name one in a message.</summary>
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

    /// <summary>The name a reader writes: <c>FluxTransaction&lt;String, Int32&gt;</c>, not the CLR's mangled generic name.</summary>
    internal static string Readable(Type type)
    {
        if (type.IsArray)
        {
            return $"{Readable(type.GetElementType()!)}[]";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return $"{Readable(underlying)}?";
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(", ", type.GetGenericArguments().Select(Readable))}>";
    }
}

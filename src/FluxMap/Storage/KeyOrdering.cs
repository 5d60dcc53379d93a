using FluxMap.Diagnostics;

namespace FluxMap.Storage;

/// <summary>
/// How a database orders, compares for equality and owns its keys. Ordering drives the skip
/// list and scans; equality drives the hash index and read traces, so the two must agree.
/// </summary>
internal sealed class KeyOrdering<TKey>
    where TKey : notnull
{
    private readonly bool _isDefaultOrdinal;
    private readonly bool _copiesBytes;

    private KeyOrdering(IComparer<TKey> comparer, IEqualityComparer<TKey> equality, bool isDefaultOrdinal, bool shareInstances)
    {
        Comparer = comparer;
        Equality = equality;
        _isDefaultOrdinal = isDefaultOrdinal;
        _copiesBytes = typeof(TKey) == typeof(byte[]) && !shareInstances;
    }

    internal IComparer<TKey> Comparer { get; }

    internal IEqualityComparer<TKey> Equality { get; }

    /// <param name="comparer">The order, or null for the key type's default.</param>
    /// <param name="equality">The equality that agrees with it, or null.</param>
    /// <param name="shareInstances">The caller promised never to change a byte[] key after passing or reading it (<see cref="FluxMapOptions.AssumeImmutableKeys"/>).</param>
    internal static KeyOrdering<TKey> Create(IComparer<TKey>? comparer, IEqualityComparer<TKey>? equality, bool shareInstances = false)
    {
        if (comparer is null)
        {
            if (typeof(TKey) == typeof(string))
            {
                return new((IComparer<TKey>)StringComparer.Ordinal, equality ?? (IEqualityComparer<TKey>)StringComparer.Ordinal, equality is null, shareInstances);
            }

            if (typeof(TKey) == typeof(byte[]))
            {
                var bytes = ByteArrayKeyComparer.Instance;
                return new((IComparer<TKey>)(object)bytes, equality ?? (IEqualityComparer<TKey>)(object)bytes, equality is null, shareInstances);
            }

            // Comparer<T>.Default of a type without an order fails only when two keys meet, a raw
            // BCL message on the second insert; refuse it at open and say what to supply instead.
            var type = Nullable.GetUnderlyingType(typeof(TKey)) ?? typeof(TKey);
            if (!typeof(IComparable<>).MakeGenericType(type).IsAssignableFrom(type) && !typeof(IComparable).IsAssignableFrom(type))
            {
                var name = TypeName.Readable(typeof(TKey));
                throw new NotSupportedException(
                    $"The key type {name} has no order: it implements neither IComparable<{name}> nor IComparable, and no comparer was given. " +
                    $"Implement IComparable<{name}> on it, or pass a comparer (and an equality comparer that agrees with it) with " +
                    $"FluxDatabase.CreateBuilder<{name}, TValue>().WithComparer(comparer, equality).");
            }

            return new(Comparer<TKey>.Default, equality ?? EqualityComparer<TKey>.Default, false, shareInstances);
        }

        equality ??= comparer as IEqualityComparer<TKey>
            ?? throw new ArgumentException(
                $"The comparer {comparer.GetType().Name} does not implement IEqualityComparer<{TypeName.Readable(typeof(TKey))}>. " +
                "Pass an equality comparer that agrees with it (keys that compare as 0 must be equal and hash alike).",
                nameof(equality));

        var ordinal = (typeof(TKey) == typeof(string) && ReferenceEquals(comparer, StringComparer.Ordinal) && ReferenceEquals(equality, StringComparer.Ordinal))
            || (typeof(TKey) == typeof(byte[]) && ReferenceEquals(comparer, ByteArrayKeyComparer.Instance));
        return new(comparer, equality, ordinal, shareInstances);
    }

    /// <summary>A copy the caller can no longer change: byte[] keys are cloned unless the caller promised not to change them, others are immutable by contract.</summary>
    internal TKey Own(TKey key) => _copiesBytes ? (TKey)(object)((byte[])(object)key).AsSpan().ToArray() : key;

    internal KeyRange<TKey> Own(KeyRange<TKey> range) => _copiesBytes ? range.WithBounds(Own) : range;

    /// <summary>
    /// The range holding exactly the keys that start with <paramref name="prefix"/>: from the prefix
    /// up to, but not including, the smallest key above every key with that prefix.
    /// </summary>
    internal KeyRange<TKey> PrefixRange(TKey prefix)
    {
        if (!_isDefaultOrdinal)
        {
            throw new NotSupportedException(
                $"Prefix scans need string or byte[] keys in their default ordinal order; this database has {TypeName.Readable(typeof(TKey))} keys" +
                (typeof(TKey) == typeof(string) || typeof(TKey) == typeof(byte[]) ? " with a custom comparer." : ".") +
                " Use ScanAsync with a KeyRange instead.");
        }

        object? upper = prefix switch
        {
            string s => StringSuccessor(s),
            byte[] b => BytesSuccessor(b),
            _ => null,
        };
        return upper is null ? KeyRange<TKey>.AtLeast(prefix) : KeyRange<TKey>.Between(prefix, (TKey)upper, toInclusive: false);
    }

    private static string? StringSuccessor(string prefix)
    {
        var end = prefix.Length;
        while (end > 0 && prefix[end - 1] == char.MaxValue)
        {
            end--;
        }

        return end == 0 ? null : string.Concat(prefix.AsSpan(0, end - 1), ((char)(prefix[end - 1] + 1)).ToString());
    }

    private static byte[]? BytesSuccessor(byte[] prefix)
    {
        var end = prefix.Length;
        while (end > 0 && prefix[end - 1] == byte.MaxValue)
        {
            end--;
        }

        if (end == 0)
        {
            return null;
        }

        var upper = prefix.AsSpan(0, end).ToArray();
        upper[end - 1]++;
        return upper;
    }
}

using FluxMap.Storage;

namespace FluxMap;

/// <summary>
/// The keys a scan covers: each end is inclusive, exclusive or open. Create one with
/// <see cref="Between"/>, <see cref="AtLeast"/>, <see cref="GreaterThan"/>, <see cref="AtMost"/>,
/// <see cref="LessThan"/> or <see cref="All"/>.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
public readonly struct KeyRange<TKey> : IEquatable<KeyRange<TKey>>
    where TKey : notnull
{
    private KeyRange(TKey? lower, bool hasLower, bool lowerInclusive, TKey? upper, bool hasUpper, bool upperInclusive)
    {
        Lower = lower;
        HasLower = hasLower;
        LowerInclusive = lowerInclusive;
        Upper = upper;
        HasUpper = hasUpper;
        UpperInclusive = upperInclusive;
    }

    /// <summary>Gets the lower bound; meaningful only when <see cref="HasLower"/> is true.</summary>
    public TKey? Lower { get; }

    /// <summary>Gets a value indicating whether the range has a lower bound.</summary>
    public bool HasLower { get; }

    /// <summary>Gets a value indicating whether <see cref="Lower"/> itself is in the range.</summary>
    public bool LowerInclusive { get; }

    /// <summary>Gets the upper bound; meaningful only when <see cref="HasUpper"/> is true.</summary>
    public TKey? Upper { get; }

    /// <summary>Gets a value indicating whether the range has an upper bound.</summary>
    public bool HasUpper { get; }

    /// <summary>Gets a value indicating whether <see cref="Upper"/> itself is in the range.</summary>
    public bool UpperInclusive { get; }

    /// <summary>Gets the range of every key.</summary>
    public static KeyRange<TKey> All => default;

    /// <summary>Keys from <paramref name="from"/> to <paramref name="to"/>, both inclusive unless said otherwise.</summary>
    /// <param name="from">The lower bound.</param>
    /// <param name="to">The upper bound.</param>
    /// <param name="fromInclusive">Whether <paramref name="from"/> is in the range.</param>
    /// <param name="toInclusive">Whether <paramref name="to"/> is in the range.</param>
    /// <returns>The range.</returns>
    public static KeyRange<TKey> Between(TKey from, TKey to, bool fromInclusive = true, bool toInclusive = true)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        return new(from, true, fromInclusive, to, true, toInclusive);
    }

    /// <summary>Keys greater than or equal to <paramref name="from"/>.</summary>
    /// <param name="from">The inclusive lower bound.</param>
    /// <returns>The range.</returns>
    public static KeyRange<TKey> AtLeast(TKey from) => LowerBound(from, true);

    /// <summary>Keys strictly greater than <paramref name="from"/>.</summary>
    /// <param name="from">The exclusive lower bound.</param>
    /// <returns>The range.</returns>
    public static KeyRange<TKey> GreaterThan(TKey from) => LowerBound(from, false);

    /// <summary>Keys less than or equal to <paramref name="to"/>.</summary>
    /// <param name="to">The inclusive upper bound.</param>
    /// <returns>The range.</returns>
    public static KeyRange<TKey> AtMost(TKey to) => UpperBound(to, true);

    /// <summary>Keys strictly less than <paramref name="to"/>.</summary>
    /// <param name="to">The exclusive upper bound.</param>
    /// <returns>The range.</returns>
    public static KeyRange<TKey> LessThan(TKey to) => UpperBound(to, false);

    /// <inheritdoc />
    public bool Equals(KeyRange<TKey> other) =>
        HasLower == other.HasLower && LowerInclusive == other.LowerInclusive &&
        HasUpper == other.HasUpper && UpperInclusive == other.UpperInclusive &&
        EqualityComparer<TKey?>.Default.Equals(Lower, other.Lower) &&
        EqualityComparer<TKey?>.Default.Equals(Upper, other.Upper);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is KeyRange<TKey> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Lower, HasLower, LowerInclusive, Upper, HasUpper, UpperInclusive);

    /// <inheritdoc />
    public override string ToString() =>
        (HasLower ? (LowerInclusive ? "[" : "(") + KeyFormatter.Format(Lower) : "(-inf") + ", " +
        (HasUpper ? KeyFormatter.Format(Upper) + (UpperInclusive ? "]" : ")") : "+inf)");

    /// <summary>Compares two ranges for equality.</summary>
    /// <param name="left">The first range.</param>
    /// <param name="right">The second range.</param>
    /// <returns>True when both describe the same bounds.</returns>
    public static bool operator ==(KeyRange<TKey> left, KeyRange<TKey> right) => left.Equals(right);

    /// <summary>Compares two ranges for inequality.</summary>
    /// <param name="left">The first range.</param>
    /// <param name="right">The second range.</param>
    /// <returns>True when the bounds differ.</returns>
    public static bool operator !=(KeyRange<TKey> left, KeyRange<TKey> right) => !left.Equals(right);

    internal bool IsAboveLower(TKey key, IComparer<TKey> comparer)
    {
        if (!HasLower)
        {
            return true;
        }

        var c = comparer.Compare(key, Lower!);
        return LowerInclusive ? c >= 0 : c > 0;
    }

    internal bool IsBelowUpper(TKey key, IComparer<TKey> comparer)
    {
        if (!HasUpper)
        {
            return true;
        }

        var c = comparer.Compare(key, Upper!);
        return UpperInclusive ? c <= 0 : c < 0;
    }

    internal bool Contains(TKey key, IComparer<TKey> comparer) => IsAboveLower(key, comparer) && IsBelowUpper(key, comparer);

    internal bool IsEmpty(IComparer<TKey> comparer)
    {
        if (!HasLower || !HasUpper)
        {
            return false;
        }

        var c = comparer.Compare(Lower!, Upper!);
        return c > 0 || (c == 0 && !(LowerInclusive && UpperInclusive));
    }

    /// <summary>The part of this range up to and including <paramref name="last"/>.</summary>
    internal KeyRange<TKey> EndingAt(TKey last) => new(Lower, HasLower, LowerInclusive, last, true, true);

    /// <summary>The part of this range from <paramref name="first"/> on.</summary>
    internal KeyRange<TKey> StartingAt(TKey first) => new(first, true, true, Upper, HasUpper, UpperInclusive);

    internal KeyRange<TKey> WithBounds(Func<TKey, TKey> map) =>
        new(HasLower ? map(Lower!) : default, HasLower, LowerInclusive, HasUpper ? map(Upper!) : default, HasUpper, UpperInclusive);

    private static KeyRange<TKey> LowerBound(TKey from, bool inclusive)
    {
        ArgumentNullException.ThrowIfNull(from);
        return new(from, true, inclusive, default, false, false);
    }

    private static KeyRange<TKey> UpperBound(TKey to, bool inclusive)
    {
        ArgumentNullException.ThrowIfNull(to);
        return new(default, false, false, to, true, inclusive);
    }
}

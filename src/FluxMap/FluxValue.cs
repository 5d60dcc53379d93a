namespace FluxMap;

/// <summary>The result of a lookup: a value, or nothing, distinguishable from a stored <c>default</c>.</summary>
/// <typeparam name="TValue">The value type.</typeparam>
public readonly struct FluxValue<TValue> : IEquatable<FluxValue<TValue>>
{
    private readonly TValue _value;

    internal FluxValue(TValue value)
    {
        _value = value;
        HasValue = true;
    }

    /// <summary>Gets a value indicating whether the key was found.</summary>
    public bool HasValue { get; }

    /// <summary>Gets the value.</summary>
    /// <exception cref="InvalidOperationException">The key was not found.</exception>
    public TValue Value => HasValue ? _value : throw new InvalidOperationException("The key was not found; check HasValue before reading Value.");

    /// <summary>Gets the value, or <c>default</c> when the key was not found.</summary>
    /// <returns>The value or default.</returns>
    public TValue? GetValueOrDefault() => _value;

    /// <summary>Gets the value, or <paramref name="defaultValue"/> when the key was not found.</summary>
    /// <param name="defaultValue">What to return for a miss.</param>
    /// <returns>The value or <paramref name="defaultValue"/>.</returns>
    public TValue GetValueOrDefault(TValue defaultValue) => HasValue ? _value : defaultValue;

    /// <summary>Gets the value when the key was found.</summary>
    /// <param name="value">The value, or default for a miss.</param>
    /// <returns>Whether the key was found.</returns>
    public bool TryGetValue(out TValue value)
    {
        value = _value;
        return HasValue;
    }

    /// <inheritdoc />
    public bool Equals(FluxValue<TValue> other) =>
        HasValue == other.HasValue && EqualityComparer<TValue>.Default.Equals(_value, other._value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FluxValue<TValue> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HasValue ? HashCode.Combine(true, _value) : 0;

    /// <inheritdoc />
    public override string ToString() => HasValue ? $"{_value}" : "(not found)";

    /// <summary>Compares two lookups.</summary>
    /// <param name="left">The first.</param>
    /// <param name="right">The second.</param>
    /// <returns>True when both are misses or hold equal values.</returns>
    public static bool operator ==(FluxValue<TValue> left, FluxValue<TValue> right) => left.Equals(right);

    /// <summary>Compares two lookups.</summary>
    /// <param name="left">The first.</param>
    /// <param name="right">The second.</param>
    /// <returns>True when they differ.</returns>
    public static bool operator !=(FluxValue<TValue> left, FluxValue<TValue> right) => !left.Equals(right);
}

using System.Text.Json.Nodes;
using FluxMap.Diagnostics;
using MessagePack;

namespace FluxMap.Serialization;

/// <summary>
/// Keeps committed data changing only through commits: what a caller wrote, and what a read hands
/// back, are copies the caller can change without touching any snapshot. Immutable types pass
/// through untouched; byte arrays are cloned; other types are copied through the codec, which also
/// proves at the call that they can be stored.
/// </summary>
internal sealed class ValueCopier<T>
{
    private readonly MessagePackSerializerOptions? _options;
    private readonly bool _bytes;

    private ValueCopier(MessagePackSerializerOptions? options, bool bytes)
    {
        _options = options;
        _bytes = bytes;
    }

    /// <summary>Whether <see cref="Copy"/> does anything.</summary>
    private bool Copies => _bytes || _options is not null;

    /// <param name="options">The codec's options (guarded against cycles).</param>
    /// <param name="shareInstances">The caller promised never to change a value after writing or reading it.</param>
    internal static ValueCopier<T> Create(MessagePackSerializerOptions options, bool shareInstances) =>
        shareInstances || TypeFacts.IsImmutable(typeof(T)) ? new(null, false)
        : typeof(T) == typeof(byte[]) ? new(null, true)
        : new(options, false);

    /// <summary>A copy of <paramref name="value"/> nobody else holds.</summary>
    /// <param name="value">The value to copy.</param>
    /// <param name="role">What the value is, for error messages.</param>
    /// <param name="encoded">The value already encoded with the codec's options, when the caller has it: decoded instead of encoding again.</param>
    /// <exception cref="ArgumentException">The value cannot be encoded (the message names the member at fault).</exception>
    internal T Copy(T value, string role, ReadOnlyMemory<byte> encoded = default)
    {
        if (value is null || !Copies)
        {
            return value;
        }

        if (_bytes)
        {
            return (T)(object)((byte[])(object)value).AsSpan().ToArray();
        }

        // Declared as object, an interface or a base class, the instance may still be immutable
        // (a boxed number, a string); an array of immutable elements needs only a shallow copy.
        var type = value.GetType();
        if (TypeFacts.IsImmutable(type))
        {
            return value;
        }

        if (type.IsArray && TypeFacts.IsImmutable(type.GetElementType()!))
        {
            return (T)((Array)(object)value).Clone();
        }

        // A JSON tree copies itself; MessagePack has no formatter for it.
        if (value is JsonNode node)
        {
            return (T)(object)node.DeepClone();
        }

        if (encoded.IsEmpty)
        {
            try
            {
                encoded = MessagePackSerializer.Serialize(value, _options);
            }
            catch (Exception e) when (e is MessagePackSerializationException or ValueEncodingException)
            {
                throw EncodingFailure.For(role, role, value.GetType(), e);
            }
        }

        var copy = MessagePackSerializer.Deserialize<T>(encoded, _options);
        return copy!.GetType() == type
            ? copy
            : throw new ArgumentException(
                $"The {role} of type {TypeName.Readable(type)} cannot be stored as {TypeName.Readable(typeof(T))}: it would read back as {TypeName.Readable(copy.GetType())}. " +
                "Declare the exact type, or use MessagePack union attributes for a type hierarchy.",
                role);
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FluxMap.Diagnostics;
using MessagePack;
using MessagePack.Formatters;

namespace FluxMap.Serialization;

/// <summary>
/// Wraps a resolver so that every formatter of a type that can hold references counts how deep the
/// object graph goes and notes where a failure happened. MessagePack follows references without
/// tracking them, so a value that refers to itself would otherwise recurse until the stack
/// overflows and the process dies; here it fails its own call instead.
/// </summary>
internal sealed class GuardedResolver(IFormatterResolver inner) : IFormatterResolver
{
    /// <summary>The resolver guarded: what decides whether a type can be stored at all.</summary>
    internal IFormatterResolver Inner => inner;

    /// <summary>Deeper than this is taken for a cycle (MessagePack's own limit for untrusted data).</summary>
    internal const int MaxDepth = 500;

    [ThreadStatic]
    private static int _depth;

    private readonly ConcurrentDictionary<Type, object> _formatters = new();

    public IMessagePackFormatter<T> GetFormatter<T>() =>
        (IMessagePackFormatter<T>)_formatters.GetOrAdd(typeof(T), static (_, resolver) => resolver.Create<T>(), this);

    // A type with no formatter still gets one, which fails when used: the failure then carries
    // the path from the value to the member of that type.
    private object Create<T>()
    {
        var formatter = inner.GetFormatter<T>();
        if (formatter is not null && RoundTripCheck.For<T>() is { } check)
        {
            return new Checked<T>(formatter, check);
        }

        return formatter is null ? new Missing<T>(inner) : CanNest(typeof(T)) ? new Guard<T>(formatter) : formatter;
    }

    // Only objects with references can form a cycle or hide a member that fails; strings and byte
    // arrays are leaves.
    private static bool CanNest(Type type) =>
        type != typeof(string) && type != typeof(byte[]) && (!type.IsValueType || TypeFacts.HoldsReferences(type));

    private sealed class Missing<T>(IFormatterResolver inner) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) =>
            throw new ValueEncodingException(typeof(T), $"no formatter for {TypeName.Readable(typeof(T))} in {inner.GetType().Name}", null);

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => inner.GetFormatterWithVerify<T>().Deserialize(ref reader, options);
    }

    // A value the codec would not give back unchanged after a reopen is refused when it is written.
    private sealed class Checked<T>(IMessagePackFormatter<T> inner, Func<T, string?> check) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (check(value) is { } reason)
            {
                throw new ValueEncodingException(typeof(T), reason, null);
            }

            inner.Serialize(ref writer, value, options);
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => inner.Deserialize(ref reader, options);
    }

    private sealed class Guard<T>(IMessagePackFormatter<T> inner) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (++_depth > MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                _depth--;
                throw new ValueEncodingException(typeof(T), $"the object graph is more than {MaxDepth} levels deep; it probably refers to itself (a cycle)", null);
            }

            try
            {
                inner.Serialize(ref writer, value, options);
            }
            catch (ValueEncodingException e)
            {
                throw e.Within(typeof(T));
            }
            catch (Exception e)
            {
                throw new ValueEncodingException(typeof(T), $"{e.GetType().Name}: {e.Message}", e);
            }
            finally
            {
                _depth--;
            }
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => inner.Deserialize(ref reader, options);
    }
}

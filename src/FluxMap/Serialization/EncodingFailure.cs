using FluxMap.Diagnostics;
using MessagePack;

namespace FluxMap.Serialization;

/// <summary>Turns a failure to encode a key or value into the error its caller sees.</summary>
internal static class EncodingFailure
{
    /// <summary>An <see cref="ArgumentException"/> naming the type and, where known, the member at fault.</summary>
    /// <param name="role">What the value is, in the message ("value written to key ...").</param>
    /// <param name="paramName">The parameter of the public call that carried it ("key", "value").</param>
    /// <param name="type">The type that could not be encoded.</param>
    /// <param name="failure">The codec's exception.</param>
    internal static ArgumentException For(string role, string paramName, Type type, Exception failure)
    {
        var where = Find(failure) is { } located ? $" at {located.Where()}: {located.Reason}" : $": {failure.GetBaseException().Message}";
        return new ArgumentException(
            $"The {role} of type {TypeName.Readable(type)} cannot be stored{where}. Nothing was written. " +
            "Store a type MessagePack can write (public members of serializable types, no cycles), or pass serializer options with a resolver that handles it. " +
            "(Values of mutable types are also copied through MessagePack in memory; set AssumeImmutableValues if you never change a value after writing or reading it.)",
            paramName,
            failure);
    }

    private static ValueEncodingException? Find(Exception? failure)
    {
        for (; failure is not null; failure = failure.InnerException)
        {
            if (failure is ValueEncodingException located)
            {
                return located;
            }

            if (failure is not MessagePackSerializationException)
            {
                return null;
            }
        }

        return null;
    }
}

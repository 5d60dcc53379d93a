using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace FluxMap.Grains;

/// <summary>
/// Lets Orleans carry FluxMap's exceptions (<see cref="FluxMapException"/> and its leaves, such as
/// the transient <see cref="SerializationConflictException"/> and
/// <c>CommitOutcomeUnknownException</c>) back to a grain's caller. Orleans serializes only
/// exceptions of the Microsoft, System and Azure namespaces unless told otherwise; a grain whose
/// write failed with a FluxMap exception (which Orleans wraps in an <c>OrleansException</c>) would
/// otherwise answer its caller with a <c>CodecNotFoundException</c> naming the type, and the caller
/// could not tell an unknown outcome from a conflict worth retrying.
/// </summary>
internal sealed class FluxMapExceptionSerialization : IConfigureOptions<ExceptionSerializationOptions>
{
    public void Configure(ExceptionSerializationOptions options)
    {
        var others = options.SupportedExceptionTypeFilter;
        options.SupportedExceptionTypeFilter = type => typeof(FluxMapException).IsAssignableFrom(type) || others(type);
    }
}

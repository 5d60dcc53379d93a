using System.Text.Encodings.Web;
using System.Text.Json;

namespace FluxMap.Operations;

/// <summary>
/// The JSON Lines format of export and import: one object per line, <c>{"key":…,"value":…}</c>,
/// plus <c>"expiresAt"</c> (an ISO 8601 UTC instant) for a key with a time-to-live: a deadline, so an
/// import later does not lengthen it.
/// </summary>
internal static class JsonLines
{
    internal const string Key = "key";
    internal const string Value = "value";
    internal const string ExpiresAt = "expiresAt";

    /// <summary>The caller's options, or ones that write non-ASCII text as it is (a file, not HTML) and, as MessagePack's contractless resolver, include public fields.</summary>
    internal static JsonSerializerOptions OptionsOrDefault(JsonSerializerOptions? options) => options ?? Default;

    private static readonly JsonSerializerOptions Default = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, IncludeFields = true };
}

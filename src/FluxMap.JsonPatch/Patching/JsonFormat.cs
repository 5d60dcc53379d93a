using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FluxMap.Patching;

/// <summary>How patches and stored documents are read and written.</summary>
internal static class JsonFormat
{
    private const int ShownLength = 100;

    /// <summary>Duplicate member names make a document ambiguous (RFC 6902 A.13), so reading refuses them.</summary>
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    /// <summary>
    /// Stored text keeps its characters: the default encoder escapes non-ASCII and HTML-sensitive
    /// characters, which matters only when JSON is embedded in HTML.
    /// </summary>
    public static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Parses a stored value, reporting one that is not JSON as the reason the patch failed.</summary>
    public static JsonNode? ParseStored<T>(T value, Func<T, JsonNode?> parse)
    {
        try
        {
            return parse(value);
        }
        catch (JsonException e)
        {
            throw new JsonPatchFailedException(
                JsonPatchFailure.InvalidDocument, null, $"The stored value is not a JSON document, so a JSON Patch cannot apply to it ({e.Message}).", e);
        }
    }

    /// <summary>A value as JSON for an error message, cut short so a large document does not flood a log.</summary>
    public static string Show(JsonNode? value)
    {
        var json = value?.ToJsonString(Output) ?? "null";
        return json.Length <= ShownLength ? json : string.Concat(json.AsSpan(0, ShownLength), "…");
    }
}

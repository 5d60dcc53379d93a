using System.Text.Json.Nodes;

namespace FluxMap.Patching;

/// <summary>Documents stored as <see cref="JsonNode"/> trees.</summary>
internal sealed class JsonTree : IJsonForm<JsonNode>
{
    /// <summary>Copies the stored tree: it is shared with every reader, and a failed patch must leave it as it was.</summary>
    public static JsonNode? Read(JsonNode value) => value.DeepClone();

    public static JsonNode Write(JsonNode? document) => document ?? throw new JsonPatchFailedException(
        JsonPatchFailure.OperationFailed,
        null,
        "The patched document is JSON null, which a JsonNode value cannot hold; store documents as string or byte[] to allow it.");
}

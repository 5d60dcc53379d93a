using System.Text.Json.Nodes;

namespace FluxMap.Patching;

/// <summary>Documents stored as JSON text.</summary>
internal sealed class JsonText : IJsonForm<string>
{
    public static JsonNode? Read(string value) =>
        JsonFormat.ParseStored(value, static text => JsonNode.Parse(text, documentOptions: JsonFormat.Strict));

    public static string Write(JsonNode? document) => document?.ToJsonString(JsonFormat.Output) ?? "null";
}

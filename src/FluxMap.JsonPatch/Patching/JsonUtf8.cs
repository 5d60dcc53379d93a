using System.Text.Json;
using System.Text.Json.Nodes;

namespace FluxMap.Patching;

/// <summary>Documents stored as UTF-8 JSON bytes.</summary>
internal sealed class JsonUtf8 : IJsonForm<byte[]>
{
    public static JsonNode? Read(byte[] value) =>
        JsonFormat.ParseStored(value, static utf8 => JsonNode.Parse(utf8, documentOptions: JsonFormat.Strict));

    public static byte[] Write(JsonNode? document) => JsonSerializer.SerializeToUtf8Bytes(document, JsonFormat.Output);
}

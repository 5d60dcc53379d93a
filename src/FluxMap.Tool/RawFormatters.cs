using System.Buffers;
using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace FluxMap.Tool;

/// <summary>
/// Reads and writes keys and values as the MessagePack items they are stored as, and shows them as
/// JSON through MessagePack's own conversion (<see cref="MessagePackSerializer.ConvertToJson(ReadOnlyMemory{byte}, MessagePackSerializerOptions?, CancellationToken)"/>);
/// JSON comes back through <see cref="MessagePackSerializer.ConvertFromJson(string, MessagePackSerializerOptions?, CancellationToken)"/>.
/// </summary>
internal static class RawFormatters
{
    internal static readonly MessagePackSerializerOptions MessagePackOptions =
        MessagePackSerializerOptions.Standard.WithResolver(CompositeResolver.Create([new KeyFormatter(), new ValueFormatter()], [StandardResolver.Instance]));

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new ItemConverter<MessagePackKey>(e => new MessagePackKey(e), k => k.Encoded), new ItemConverter<MessagePackValue>(e => new MessagePackValue(e), v => v.Encoded) },
    };

    /// <summary>The JSON MessagePack shows an item as (binary as a base64 string).</summary>
    internal static string ToJson(byte[] encoded) => MessagePackSerializer.ConvertToJson(encoded);

    private sealed class KeyFormatter : IMessagePackFormatter<MessagePackKey>
    {
        public void Serialize(ref MessagePackWriter writer, MessagePackKey value, MessagePackSerializerOptions options) => writer.WriteRaw(value.Encoded);

        public MessagePackKey Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => new(reader.ReadRaw().ToArray());
    }

    private sealed class ValueFormatter : IMessagePackFormatter<MessagePackValue>
    {
        public void Serialize(ref MessagePackWriter writer, MessagePackValue value, MessagePackSerializerOptions options) => writer.WriteRaw(value.Encoded);

        public MessagePackValue Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => new(reader.ReadRaw().ToArray());
    }

    private sealed class ItemConverter<T>(Func<byte[], T> create, Func<T, byte[]> encoded) : System.Text.Json.Serialization.JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return create(MessagePackSerializer.ConvertFromJson(document.RootElement.GetRawText()));
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteRawValue(ToJson(encoded(value)));
    }
}

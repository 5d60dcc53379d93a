using System.Buffers;
using System.Text.Json;

namespace FluxMap.Operations;

/// <summary>Writes one snapshot of a range as JSON Lines (see <see cref="JsonLines"/>), keys and values through System.Text.Json.</summary>
internal static class JsonLinesExport
{
    private const int ChunkBytes = 64 * 1024;

    internal static async Task<long> RunAsync<TKey, TValue>(
        FluxEngine<TKey, TValue> engine, Stream destination, KeyRange<TKey> range, JsonSerializerOptions? jsonOptions, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var options = JsonLines.OptionsOrDefault(jsonOptions);
        var buffer = new ArrayBufferWriter<byte>(ChunkBytes * 2);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = false });
        var snapshot = await SnapshotReader<TKey, TValue>.OpenAsync(engine, cancellationToken).ConfigureAwait(false);
        await using var release = snapshot.ConfigureAwait(false);
        long count = 0;
        await foreach (var entry in snapshot.ReadAsync(range, cancellationToken).ConfigureAwait(false))
        {
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WritePropertyName(JsonLines.Key);
            JsonSerializer.Serialize(writer, entry.Key, options);
            writer.WritePropertyName(JsonLines.Value);
            JsonSerializer.Serialize(writer, entry.Value, options);
            if (entry.ExpiresAt != 0)
            {
                writer.WriteString(JsonLines.ExpiresAt, new DateTimeOffset(entry.ExpiresAt, TimeSpan.Zero));
            }

            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n"u8);
            count++;
            if (buffer.WrittenCount >= ChunkBytes)
            {
                await destination.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                buffer.ResetWrittenCount();
            }
        }

        await destination.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }
}

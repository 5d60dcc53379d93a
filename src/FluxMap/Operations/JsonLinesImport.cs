using System.Text;
using System.Text.Json;

namespace FluxMap.Operations;

/// <summary>
/// Reads JSON Lines (see <see cref="JsonLines"/>) into a database in transactions of at most
/// <see cref="BatchLines"/> lines and <see cref="BatchBytes"/> bytes of them, so an import of any
/// size commits as it goes and never builds one huge commit.
/// </summary>
internal sealed class JsonLinesImport<TKey, TValue>
    where TKey : notnull
{
    internal const int BatchLines = 1_000;
    internal const int BatchBytes = 1 << 20;

    private readonly FluxEngine<TKey, TValue> _engine;
    private readonly JsonSerializerOptions _options;
    private readonly List<(TKey Key, TValue Value, long ExpiresAt)> _batch = [];
    private long _line;
    private long _batchStart = 1;
    private long _batchBytes;
    private long _imported;
    private long _expired;

    private JsonLinesImport(FluxEngine<TKey, TValue> engine, JsonSerializerOptions? options)
    {
        _engine = engine;
        _options = JsonLines.OptionsOrDefault(options);
    }

    internal static async Task<JsonLinesImportResult> RunAsync(FluxEngine<TKey, TValue> engine, Stream source, JsonSerializerOptions? options, CancellationToken cancellationToken)
    {
        var import = new JsonLinesImport<TKey, TValue>(engine, options);
        using var reader = new StreamReader(source, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await import.ReadLineAsync(reader, cancellationToken).ConfigureAwait(false) is { } text)
        {
            import.Add(text);
            if (import._batch.Count >= BatchLines || import._batchBytes >= BatchBytes)
            {
                await import.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await import.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new JsonLinesImportResult { Lines = import._line, Imported = import._imported, Expired = import._expired };
    }

    private async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            var text = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (text is not null)
            {
                _line++;
            }

            return text;
        }
        catch (DecoderFallbackException e)
        {
            throw Failed(_line + 1, "is not UTF-8", e);
        }
    }

    private void Add(string text)
    {
        _batchBytes += text.Length;
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        TKey? key = default;
        TValue? value = default;
        long expiresAt = 0;
        bool hasKey = false, hasValue = false;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Failed(_line, $"is a JSON {document.RootElement.ValueKind}, not an object with \"{JsonLines.Key}\" and \"{JsonLines.Value}\"", null);
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case JsonLines.Key:
                        key = property.Value.Deserialize<TKey>(_options);
                        hasKey = key is not null;
                        break;
                    case JsonLines.Value:
                        value = property.Value.Deserialize<TValue>(_options);
                        hasValue = true;
                        break;
                    case JsonLines.ExpiresAt:
                        expiresAt = property.Value.ValueKind == JsonValueKind.Null ? 0 : property.Value.GetDateTimeOffset().UtcTicks;
                        break;
                    default:
                        throw Failed(_line, $"has a member \"{property.Name}\"; a line holds only \"{JsonLines.Key}\", \"{JsonLines.Value}\" and \"{JsonLines.ExpiresAt}\"", null);
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            throw Failed(_line, $"is not valid: {Reason(e)}", e);
        }

        if (!hasKey || !hasValue)
        {
            throw Failed(_line, $"has no {(hasKey ? "\"value\"" : "\"key\" (or a null one)")}", null);
        }

        if (expiresAt != 0 && expiresAt <= _engine.Clock.Now)
        {
            _expired++;
            return;
        }

        _batch.Add((key!, value!, expiresAt));
    }

    private async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count > 0)
        {
            try
            {
                await new FluxHandle<TKey, TValue>(_engine).TransactionAsync(
                    async (tx, ct) =>
                    {
                        foreach (var (key, value, expiresAt) in _batch)
                        {
                            await tx.Put(key, value, expiresAt, ct).ConfigureAwait(false);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FluxMapException or ArgumentException)
            {
                throw Failed(_batchStart, $"starts a batch (to line {_line}) whose commit failed: {e.Message}", e);
            }

            _imported += _batch.Count;
            _batch.Clear();
        }

        _batchStart = _line + 1;
        _batchBytes = 0;
    }

    // System.Text.Json ends its messages with where in its input it was ("Path: $ | LineNumber: 0 |
    // BytePositionInLine: 10."), counting lines within the one line it was given: say it in the
    // line's own terms instead.
    private static string Reason(Exception e)
    {
        var message = e.Message;
        var at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        at = at > 0 ? at : message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (e is JsonException json && at > 0)
        {
            return $"{message[..at].TrimEnd('.')} (at {json.Path ?? "$"}, byte {json.BytePositionInLine + 1} of the line)";
        }

        return message.TrimEnd('.');
    }

    private JsonLinesImportException Failed(long line, string what, Exception? inner) =>
        new(
            $"Line {line} of the import {what}. " +
            (_batchStart > 1 ? $"Lines 1 to {_batchStart - 1} were imported ({_imported} keys); nothing after them was." : "Nothing was imported."),
            line,
            _batchStart - 1,
            _imported,
            inner);
}

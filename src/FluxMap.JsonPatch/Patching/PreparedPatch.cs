using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;

namespace FluxMap.Patching;

/// <summary>
/// A patch validated once, before the database is touched, and then applied to as many versions
/// of the document as the read-modify-write needs.
/// </summary>
internal sealed class PreparedPatch
{
    private readonly PatchStep[] _steps;

    private PreparedPatch(PatchStep[] steps) => _steps = steps;

    /// <summary>Validates a patch document, converting each value to JSON with the document's serializer options.</summary>
    public static PreparedPatch From(JsonPatchDocument patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var steps = new PatchStep[patch.Operations.Count];
        for (var i = 0; i < steps.Length; i++)
        {
            var operation = patch.Operations[i];
            JsonNode? value;
            try
            {
                value = JsonSerializer.SerializeToNode(operation.value, patch.SerializerOptions);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                throw PatchStep.Invalid(i, $"its value cannot be written as JSON ({e.Message})", e);
            }

            // A document built in code cannot leave "value" out: a null there is JSON null.
            steps[i] = PatchStep.Create(i, operation.op, operation.path, operation.from, hasValue: true, value);
        }

        return new PreparedPatch(steps);
    }

    /// <summary>Parses and validates patch text: a JSON array of operations without duplicate member names.</summary>
    public static PreparedPatch Parse(string patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(patch, documentOptions: JsonFormat.Strict);
        }
        catch (JsonException e)
        {
            throw PatchStep.Invalid(null, $"it is not valid JSON ({e.Message})", e);
        }

        if (parsed is not JsonArray operations)
        {
            throw PatchStep.Invalid(null, "it must be a JSON array of operations");
        }

        var steps = new PatchStep[operations.Count];
        for (var i = 0; i < steps.Length; i++)
        {
            if (operations[i] is not JsonObject operation)
            {
                throw PatchStep.Invalid(i, "it is not a JSON object");
            }

            // Members other than these are ignored, as RFC 6902 asks (A.11).
            var hasValue = operation.TryGetPropertyValue("value", out var value);
            steps[i] = PatchStep.Create(i, Text(operation, "op", i), Text(operation, "path", i), Text(operation, "from", i), hasValue, value);
        }

        return new PreparedPatch(steps);
    }

    /// <summary>Applies every operation in order to a document the caller owns, and returns the patched document.</summary>
    /// <exception cref="JsonPatchFailedException">An operation failed; the patch stops there.</exception>
    public JsonNode? ApplyTo(JsonNode? document)
    {
        var envelope = new JsonObject { [PatchStep.Envelope] = document };
        foreach (var step in _steps)
        {
            step.ApplyTo(envelope);
        }

        var patched = envelope[PatchStep.Envelope];
        envelope.Remove(PatchStep.Envelope);
        return patched;
    }

    private static string? Text(JsonObject operation, string member, int index) =>
        !operation.TryGetPropertyValue(member, out var node) ? null
        : node is JsonValue value && value.TryGetValue<string>(out var text) ? text
        : throw PatchStep.Invalid(index, $"\"{member}\" must be a string");
}

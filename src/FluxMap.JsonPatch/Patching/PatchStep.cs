using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson.Exceptions;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson.Operations;

namespace FluxMap.Patching;

/// <summary>One validated operation of a patch, ready to apply to any number of documents.</summary>
internal sealed class PatchStep
{
    /// <summary>
    /// The document is applied to as the only member of an envelope object, so that operations on
    /// the whole document (path "") and documents that are arrays or scalars work: the library
    /// cannot address its own root.
    /// </summary>
    public const string Envelope = "$";

    private readonly int _index;
    private readonly string _op;
    private readonly OperationType _type;
    private readonly JsonPointer _path;
    private readonly JsonPointer? _from;
    private readonly JsonNode? _value;
    private readonly JsonPatchDocument _library;

    private PatchStep(int index, string op, OperationType type, JsonPointer path, JsonPointer? from, JsonNode? value)
    {
        _index = index;
        _op = op;
        _type = type;
        _path = path;
        _from = from;
        _value = value;

        // An immutable JsonElement, because the library inserts a JsonNode value into arrays as
        // the instance itself, which a second document (or the next attempt) could then not take.
        var element = JsonSerializer.SerializeToElement(value);
        _library = new JsonPatchDocument([new Operation(op, "/" + Envelope + path, from is null ? null : "/" + Envelope + from, element)], JsonSerializerOptions.Default);
    }

    /// <summary>Validates one operation's members; <paramref name="hasValue"/> tells whether it had a "value" member at all.</summary>
    public static PatchStep Create(int index, string? op, string? path, string? from, bool hasValue, JsonNode? value)
    {
        var type = op switch
        {
            "add" => OperationType.Add,
            "remove" => OperationType.Remove,
            "replace" => OperationType.Replace,
            "move" => OperationType.Move,
            "copy" => OperationType.Copy,
            "test" => OperationType.Test,
            null => throw Invalid(index, "it has no \"op\""),
            _ => throw Invalid(index, $"\"{op}\" is not an operation (add, remove, replace, move, copy or test)"),
        };
        var target = Pointer(index, path ?? throw Invalid(index, "it has no \"path\""));
        var source = type is OperationType.Move or OperationType.Copy
            ? Pointer(index, from ?? throw Invalid(index, $"a {op} needs a \"from\""))
            : null;
        if (!hasValue && type is OperationType.Add or OperationType.Replace or OperationType.Test)
        {
            throw Invalid(index, $"{(type == OperationType.Add ? "an" : "a")} {op} needs a \"value\"");
        }

        return new PatchStep(index, op, type, target, source, value);
    }

    /// <summary>The error for an operation that is malformed whatever the document.</summary>
    public static JsonPatchFailedException Invalid(int? index, string reason, Exception? innerException = null) =>
        new(JsonPatchFailure.InvalidPatch, index, index is null ? $"The JSON Patch is invalid: {reason}." : $"JSON Patch operation {index} is invalid: {reason}.", innerException);

    /// <summary>Applies the operation to the document in <paramref name="envelope"/>, or throws without changing it.</summary>
    public void ApplyTo(JsonObject envelope)
    {
        var document = envelope[Envelope];
        if (_type == OperationType.Test)
        {
            if (!_path.TryFind(document, out var actual))
            {
                throw Failed(JsonPatchFailure.TestFailed, $"there is no value there to compare with {JsonFormat.Show(_value)}");
            }

            if (!JsonNode.DeepEquals(actual, _value))
            {
                throw Failed(JsonPatchFailure.TestFailed, $"the value there is {JsonFormat.Show(actual)}, not {JsonFormat.Show(_value)}");
            }

            return;
        }

        if (WhyCannotApply(document) is { } reason)
        {
            throw Failed(JsonPatchFailure.OperationFailed, reason);
        }

        try
        {
            _library.ApplyTo(envelope);
        }
        catch (JsonPatchException e)
        {
            throw Failed(JsonPatchFailure.OperationFailed, e.Message.TrimEnd('.'), e);
        }
    }

    private static JsonPointer Pointer(int index, string text) =>
        JsonPointer.Parse(text, out var error) ?? throw Invalid(index, error!);

    private string? WhyCannotApply(JsonNode? document)
    {
        if (_from is not null)
        {
            if (!_from.TryFind(document, out _))
            {
                return $"there is no value at \"from\" '{_from}'";
            }

            if (_type == OperationType.Move && _from.IsProperPrefixOf(_path))
            {
                return "a value cannot move into one of its own members";
            }
        }

        return _type is OperationType.Remove or OperationType.Replace
            ? _path.TryFind(document, out _) ? null : "there is no value there"
            : _path.WhyCannotAdd(document);
    }

    private JsonPatchFailedException Failed(JsonPatchFailure failure, string reason, Exception? innerException = null) =>
        new(failure, _index, $"JSON Patch operation {_index} ({_op} '{_path}') failed: {reason}.", innerException);
}

using System.Text.Json.Nodes;

namespace FluxMap.Patching;

/// <summary>A way of storing a JSON document as a value of type <typeparamref name="TValue"/>.</summary>
/// <typeparam name="TValue">The stored value type.</typeparam>
internal interface IJsonForm<TValue>
{
    /// <summary>Reads a stored value into a document the caller may change.</summary>
    /// <exception cref="JsonPatchFailedException">The value is not JSON.</exception>
    static abstract JsonNode? Read(TValue value);

    /// <summary>Turns a patched document into the value to store.</summary>
    static abstract TValue Write(JsonNode? document);
}

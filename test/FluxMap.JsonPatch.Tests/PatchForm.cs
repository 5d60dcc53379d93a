namespace FluxMap.JsonPatch.Tests;

/// <summary>A value shape and entry point the package offers, so each example runs through all of them.</summary>
public enum PatchForm
{
    /// <summary>JSON text values, patch text, on a handle.</summary>
    TextOnString,

    /// <summary>JsonNode values, a JsonPatchDocument deserialized by the library, on a handle.</summary>
    DocumentOnJsonNode,

    /// <summary>UTF-8 byte[] values, patch text, on a handle.</summary>
    TextOnUtf8,

    /// <summary>JSON text values, patch text, inside TransactionAsync.</summary>
    TextInTransaction,
}

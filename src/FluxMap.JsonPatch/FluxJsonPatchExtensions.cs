using System.Text.Json.Nodes;
using FluxMap.Patching;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;

namespace FluxMap;

/// <summary>
/// Applies RFC 6902 JSON Patches to JSON documents stored as text (<see cref="string"/>), UTF-8
/// bytes (<see cref="byte"/>[]) or <see cref="JsonNode"/> trees, on handles and in transactions.
/// </summary>
/// <remarks>
/// A patch applies all or nothing. Paths are RFC 6901 JSON Pointers, read strictly: they start with
/// '/' (or are "" for the whole document), array indexes have no leading zeros, and "-" names the
/// position after the last element only for <c>add</c>, <c>move</c> and <c>copy</c> targets.
/// Member names that are empty are not supported. <c>test</c> compares values structurally, with
/// numbers compared by value (1 equals 1.0, not "1").
/// </remarks>
public static class FluxJsonPatchExtensions
{
    /// <summary>
    /// Applies a JSON Patch to the document stored as JSON text under <paramref name="key"/>,
    /// atomically: if another commit changes the document meanwhile, the patch is applied again to
    /// the new version, so concurrent patches never lose an update. The time-to-live is kept, and
    /// the document is stored compact.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="handle">The handle.</param>
    /// <param name="key">The document's key.</param>
    /// <param name="patch">
    /// The operations: a <see cref="JsonPatchDocument"/> (as ASP.NET Core binds one from a request
    /// body), whose values are written as JSON with its serializer options; or JSON text, an array
    /// of operations in which duplicate member names are an error.
    /// </param>
    /// <param name="cancellationToken">Cancels the call between attempts.</param>
    /// <returns>The patched document, as stored.</returns>
    /// <exception cref="JsonPatchFailedException">The patch is invalid (thrown before the database is touched), a <c>test</c> failed, an operation had no target, or the stored value is not JSON; the document is unchanged.</exception>
    /// <exception cref="KeyNotFoundException">No document is stored under <paramref name="key"/>.</exception>
    public static ValueTask<string> PatchJsonAsync<TKey>(this FluxHandle<TKey, string> handle, TKey key, JsonPatchDocument patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, string, JsonText>(handle, key, PreparedPatch.From(patch), cancellationToken);

    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxHandle{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<string> PatchJsonAsync<TKey>(this FluxHandle<TKey, string> handle, TKey key, string patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, string, JsonText>(handle, key, PreparedPatch.Parse(patch), cancellationToken);

    /// <summary>Applies a JSON Patch to the document stored as UTF-8 JSON under <paramref name="key"/>, atomically; see <see cref="PatchJsonAsync{TKey}(FluxHandle{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>.</summary>
    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxHandle{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<byte[]> PatchJsonAsync<TKey>(this FluxHandle<TKey, byte[]> handle, TKey key, JsonPatchDocument patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, byte[], JsonUtf8>(handle, key, PreparedPatch.From(patch), cancellationToken);

    /// <summary>Applies a JSON Patch to the document stored as UTF-8 JSON under <paramref name="key"/>, atomically; see <see cref="PatchJsonAsync{TKey}(FluxHandle{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>.</summary>
    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxHandle{TKey, string}, TKey, string, CancellationToken)"/>
    public static ValueTask<byte[]> PatchJsonAsync<TKey>(this FluxHandle<TKey, byte[]> handle, TKey key, string patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, byte[], JsonUtf8>(handle, key, PreparedPatch.Parse(patch), cancellationToken);

    /// <summary>
    /// Applies a JSON Patch to the <see cref="JsonNode"/> stored under <paramref name="key"/>,
    /// atomically; see <see cref="PatchJsonAsync{TKey}(FluxHandle{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>.
    /// The stored tree is never changed in place: the patch applies to a copy, which replaces it.
    /// </summary>
    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxHandle{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<JsonNode> PatchJsonAsync<TKey>(this FluxHandle<TKey, JsonNode> handle, TKey key, JsonPatchDocument patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, JsonNode, JsonTree>(handle, key, PreparedPatch.From(patch), cancellationToken);

    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxHandle{TKey, JsonNode}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<JsonNode> PatchJsonAsync<TKey>(this FluxHandle<TKey, JsonNode> handle, TKey key, string patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, JsonNode, JsonTree>(handle, key, PreparedPatch.Parse(patch), cancellationToken);

    /// <summary>
    /// Applies a JSON Patch to the document stored as JSON text under <paramref name="key"/>, in
    /// the transaction: the patched document is written through <see cref="FluxTransaction{TKey, TValue}.UpdateAsync"/>
    /// (keeping its time-to-live), and a failed patch writes nothing. Let the exception leave
    /// <c>TransactionAsync</c> to roll back the transaction's other writes too.
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="transaction">The transaction.</param>
    /// <param name="key">The document's key.</param>
    /// <param name="patch">
    /// The operations: a <see cref="JsonPatchDocument"/> (as ASP.NET Core binds one from a request
    /// body), whose values are written as JSON with its serializer options; or JSON text, an array
    /// of operations in which duplicate member names are an error.
    /// </param>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    /// <returns>The patched document, as written.</returns>
    /// <exception cref="JsonPatchFailedException">The patch is invalid, a <c>test</c> failed, an operation had no target, or the stored value is not JSON; nothing was written.</exception>
    /// <exception cref="KeyNotFoundException">No document is stored under <paramref name="key"/> in the transaction's view.</exception>
    public static ValueTask<string> PatchJsonAsync<TKey>(this FluxTransaction<TKey, string> transaction, TKey key, JsonPatchDocument patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, string, JsonText>(transaction, key, PreparedPatch.From(patch), cancellationToken);

    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<string> PatchJsonAsync<TKey>(this FluxTransaction<TKey, string> transaction, TKey key, string patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, string, JsonText>(transaction, key, PreparedPatch.Parse(patch), cancellationToken);

    /// <summary>Applies a JSON Patch to the document stored as UTF-8 JSON under <paramref name="key"/>, in the transaction; see <see cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>.</summary>
    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<byte[]> PatchJsonAsync<TKey>(this FluxTransaction<TKey, byte[]> transaction, TKey key, JsonPatchDocument patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, byte[], JsonUtf8>(transaction, key, PreparedPatch.From(patch), cancellationToken);

    /// <summary>Applies a JSON Patch to the document stored as UTF-8 JSON under <paramref name="key"/>, in the transaction; see <see cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>.</summary>
    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, string}, TKey, string, CancellationToken)"/>
    public static ValueTask<byte[]> PatchJsonAsync<TKey>(this FluxTransaction<TKey, byte[]> transaction, TKey key, string patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, byte[], JsonUtf8>(transaction, key, PreparedPatch.Parse(patch), cancellationToken);

    /// <summary>Applies a JSON Patch to a copy of the <see cref="JsonNode"/> stored under <paramref name="key"/> and writes it in the transaction; see <see cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>.</summary>
    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, string}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<JsonNode> PatchJsonAsync<TKey>(this FluxTransaction<TKey, JsonNode> transaction, TKey key, JsonPatchDocument patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, JsonNode, JsonTree>(transaction, key, PreparedPatch.From(patch), cancellationToken);

    /// <inheritdoc cref="PatchJsonAsync{TKey}(FluxTransaction{TKey, JsonNode}, TKey, JsonPatchDocument, CancellationToken)"/>
    public static ValueTask<JsonNode> PatchJsonAsync<TKey>(this FluxTransaction<TKey, JsonNode> transaction, TKey key, string patch, CancellationToken cancellationToken = default)
        where TKey : notnull =>
        JsonPatching.PatchAsync<TKey, JsonNode, JsonTree>(transaction, key, PreparedPatch.Parse(patch), cancellationToken);
}

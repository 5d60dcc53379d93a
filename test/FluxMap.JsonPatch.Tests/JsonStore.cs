using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;

namespace FluxMap.JsonPatch.Tests;

/// <summary>An in-memory database holding one document under <see cref="Key"/>, patched in one <see cref="PatchForm"/> and read back as text.</summary>
internal sealed class JsonStore : IAsyncDisposable
{
    public const string Key = "doc";

    private readonly IAsyncDisposable _database;
    private readonly Func<string, ValueTask<string>> _patch;
    private readonly Func<ValueTask<string>> _read;

    private JsonStore(IAsyncDisposable database, Func<string, ValueTask<string>> patch, Func<ValueTask<string>> read)
    {
        _database = database;
        _patch = patch;
        _read = read;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<JsonStore> OpenAsync(PatchForm form, string document) => form switch
    {
        PatchForm.TextOnString => OpenAsync(document, text => text, (handle, patch) => handle.PatchJsonAsync(Key, patch, Ct)),
        PatchForm.DocumentOnJsonNode => OpenAsync(
            JsonNode.Parse(document)!,
            node => node.ToJsonString(),
            (handle, patch) => handle.PatchJsonAsync(Key, JsonSerializer.Deserialize<JsonPatchDocument>(patch)!, Ct)),
        PatchForm.TextOnUtf8 => OpenAsync(Encoding.UTF8.GetBytes(document), Encoding.UTF8.GetString, (handle, patch) => handle.PatchJsonAsync(Key, patch, Ct)),
        PatchForm.TextInTransaction => OpenAsync(document, text => text, (handle, patch) => handle.TransactionAsync((tx, ct) => tx.PatchJsonAsync(Key, patch, ct), Ct)),
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    /// <summary>Applies a patch and returns the patched document as text.</summary>
    public ValueTask<string> PatchAsync(string patch) => _patch(patch);

    /// <summary>Reads the stored document as text.</summary>
    public ValueTask<string> ReadAsync() => _read();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private static async Task<JsonStore> OpenAsync<TValue>(TValue document, Func<TValue, string> toText, Func<FluxHandle<string, TValue>, string, ValueTask<TValue>> patch)
    {
        var database = await FluxDatabase.OpenAsync<string, TValue>(cancellationToken: Ct);
        var handle = database.CreateHandle();
        await handle.InsertAsync(Key, document, Ct);
        return new JsonStore(
            database,
            async text => toText(await patch(handle, text)),
            async () => toText((await handle.GetAsync(Key, Ct)).Value));
    }
}

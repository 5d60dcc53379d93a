using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace FluxMap.JsonPatch.Tests;

/// <summary>What a patch does to the stored value around the operations: missing keys, non-JSON values, time-to-live, text.</summary>
public sealed class StoredDocumentTests
{
    private const string AddOne = """[{ "op": "add", "path": "/n", "value": 1 }]""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_missing_key_is_named()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(async () => await handle.PatchJsonAsync("user:42", AddOne, Ct));
        Assert.Contains("'user:42'", error.Message, StringComparison.Ordinal);
        Assert.False(await handle.ContainsKeyAsync("user:42", Ct));

        await Assert.ThrowsAsync<KeyNotFoundException>(async () => await handle.TransactionAsync((tx, ct) => tx.PatchJsonAsync("user:42", AddOne, ct), Ct));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{ "a": 1, "a": 2 }""")]
    [InlineData("")]
    public async Task A_stored_value_that_is_not_JSON_is_reported_and_kept(string stored)
    {
        await using var db = await FluxDatabase.OpenAsync<string, byte[]>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("doc", Encoding.UTF8.GetBytes(stored), Ct);

        var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("doc", AddOne, Ct));

        Assert.Equal(JsonPatchFailure.InvalidDocument, error.Failure);
        Assert.Null(error.OperationIndex);
        Assert.Equal(stored, Encoding.UTF8.GetString((await handle.GetAsync("doc", Ct)).Value));
    }

    [Fact]
    public async Task Text_is_stored_compact_with_its_characters_unescaped()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("doc", """{ "city": "Zürich" }""", Ct);

        var patched = await handle.PatchJsonAsync("doc", """[{ "op": "add", "path": "/note", "value": "<b>café</b> & \"quotes\"" }]""", Ct);

        Assert.Equal("""{"city":"Zürich","note":"<b>café</b> & \"quotes\""}""", patched);
    }

    [Fact]
    public async Task Handle_and_transaction_patches_keep_the_time_to_live()
    {
        var clock = new FakeTimeProvider();
        await using var db = await FluxDatabase.CreateBuilder<string, string>().WithTimeProvider(clock).OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("session", "{}", TimeSpan.FromMinutes(10), Ct);
        clock.Advance(TimeSpan.FromMinutes(1));

        await handle.PatchJsonAsync("session", AddOne, Ct);
        Assert.Equal(TimeSpan.FromMinutes(9), (await handle.GetTimeToLiveAsync("session", Ct)).Value);

        clock.Advance(TimeSpan.FromMinutes(1));
        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                await tx.PatchJsonAsync("session", AddOne, ct);
                Assert.Equal(TimeSpan.FromMinutes(8), (await tx.GetTimeToLiveAsync("session", ct)).Value);
            },
            Ct);
        Assert.Equal(TimeSpan.FromMinutes(8), (await handle.GetTimeToLiveAsync("session", Ct)).Value);
    }
}

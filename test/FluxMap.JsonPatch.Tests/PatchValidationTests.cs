using System.Text.Json;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson.Operations;

namespace FluxMap.JsonPatch.Tests;

/// <summary>A malformed patch is refused before the database is touched, naming the operation and the reason.</summary>
public sealed class PatchValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""[{ "op": "add", "path": "/a", "value": 1 }""", null, "it is not valid JSON")]
    [InlineData("""{ "op": "add", "path": "/a", "value": 1 }""", null, "it must be a JSON array of operations")]
    [InlineData("""[{ "op": "add", "path": "/a", "value": 1, "path": "/b" }]""", null, "Duplicate property 'path'")]
    [InlineData("""["add"]""", 0, "it is not a JSON object")]
    [InlineData("""[{ "path": "/a", "value": 1 }]""", 0, "it has no \"op\"")]
    [InlineData("""[{ "op": "test", "path": "/a", "value": 1 }, { "op": "Add", "path": "/a", "value": 1 }]""", 1, "\"Add\" is not an operation")]
    [InlineData("""[{ "op": "add", "value": 1 }]""", 0, "it has no \"path\"")]
    [InlineData("""[{ "op": "add", "path": 1, "value": 1 }]""", 0, "\"path\" must be a string")]
    [InlineData("""[{ "op": "add", "path": "a", "value": 1 }]""", 0, "it must be empty or start with '/'")]
    [InlineData("""[{ "op": "add", "path": "/a~2", "value": 1 }]""", 0, "'~' must be followed by '0' or '1'")]
    [InlineData("""[{ "op": "add", "path": "/a/~", "value": 1 }]""", 0, "'~' must be followed by '0' or '1'")]
    [InlineData("""[{ "op": "add", "path": "/a//b", "value": 1 }]""", 0, "a member with an empty name, which is not supported")]
    [InlineData("""[{ "op": "add", "path": "/a" }]""", 0, "an add needs a \"value\"")]
    [InlineData("""[{ "op": "test", "path": "/a" }]""", 0, "a test needs a \"value\"")]
    [InlineData("""[{ "op": "move", "path": "/a" }]""", 0, "a move needs a \"from\"")]
    [InlineData("""[{ "op": "copy", "path": "/a", "from": null }]""", 0, "\"from\" must be a string")]
    public async Task Invalid_patch_text_is_refused(string patch, int? operationIndex, string reason)
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("doc", """{ "a": 1 }""", Ct);

        var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("doc", patch, Ct));

        Assert.Equal(JsonPatchFailure.InvalidPatch, error.Failure);
        Assert.Equal(operationIndex, error.OperationIndex);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal("""{ "a": 1 }""", (await handle.GetAsync("doc", Ct)).Value);
    }

    [Fact]
    public async Task Invalid_patch_is_refused_before_the_key_is_looked_up()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();

        var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("absent", """[{ "op": "frob", "path": "/a" }]""", Ct));
        Assert.Equal(JsonPatchFailure.InvalidPatch, error.Failure);
    }

    [Fact]
    public async Task Patch_documents_built_in_code_are_checked_too()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("doc", """{ "a": 1 }""", Ct);

        // The library turns an unknown op into OperationType.Invalid and would skip it silently.
        var unknown = new JsonPatchDocument([new Operation("frob", "/a", null, 1)], JsonSerializerOptions.Default);
        var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("doc", unknown, Ct));
        Assert.Equal(JsonPatchFailure.InvalidPatch, error.Failure);
        Assert.Equal(0, error.OperationIndex);

        var unserializable = new JsonPatchDocument().Add("/b", new Action(() => { }));
        error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("doc", unserializable, Ct));
        Assert.Contains("its value cannot be written as JSON", error.Message, StringComparison.Ordinal);

        var fine = new JsonPatchDocument().Add("/b", new { Name = "x", Sizes = new[] { 1, 2 } }).Test("/a", 1);
        Assert.Equal("""{"a":1,"b":{"Name":"x","Sizes":[1,2]}}""", await handle.PatchJsonAsync("doc", fine, Ct));
    }

    [Fact]
    public async Task Null_arguments_are_caller_mistakes()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();

        await Assert.ThrowsAsync<ArgumentNullException>("patch", async () => await handle.PatchJsonAsync("doc", (string)null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>("patch", async () => await handle.PatchJsonAsync("doc", (JsonPatchDocument)null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>("handle", async () => await ((FluxHandle<string, string>)null!).PatchJsonAsync("doc", "[]", Ct));
        await Assert.ThrowsAsync<ArgumentNullException>("key", async () => await handle.PatchJsonAsync(null!, "[]", Ct));
    }
}

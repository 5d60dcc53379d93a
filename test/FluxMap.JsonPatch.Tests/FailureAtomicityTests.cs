using System.Text;
using System.Text.Json.Nodes;

namespace FluxMap.JsonPatch.Tests;

/// <summary>A patch applies all or nothing: when any operation fails, the stored value is exactly what it was.</summary>
public sealed class FailureAtomicityTests
{
    // Formatting, member order and a non-ASCII character that a rewrite would change.
    private const string Document = """
        {
          "name":   "Zoë",
          "tags": [ "a", "b" ],
          "nested": { "n": 1.50 }
        }
        """;

    private const string GoodOperations = """
        { "op": "add", "path": "/tags/-", "value": "c" },
        { "op": "remove", "path": "/tags/0" },
        { "op": "replace", "path": "/name", "value": "Zoe" },
        { "op": "move", "from": "/nested/n", "path": "/n" },
        { "op": "copy", "from": "/tags", "path": "/copy" },
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, JsonPatchFailure> FailingLastOperations() => new()
    {
        { """{ "op": "test", "path": "/name", "value": "Zoë" }""", JsonPatchFailure.TestFailed },
        { """{ "op": "test", "path": "/n", "value": "1.50" }""", JsonPatchFailure.TestFailed },
        { """{ "op": "add", "path": "/missing/child", "value": 1 }""", JsonPatchFailure.OperationFailed },
        { """{ "op": "remove", "path": "/tags/5" }""", JsonPatchFailure.OperationFailed },
        { """{ "op": "replace", "path": "/nothing", "value": 1 }""", JsonPatchFailure.OperationFailed },
        { """{ "op": "move", "from": "/tags", "path": "/tags/0" }""", JsonPatchFailure.OperationFailed },
    };

    [Theory]
    [MemberData(nameof(FailingLastOperations))]
    public async Task Text_is_unchanged_byte_for_byte(string lastOperation, JsonPatchFailure failure)
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("doc", Document, Ct);

        var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("doc", $"[{GoodOperations}{lastOperation}]", Ct));

        Assert.Equal(failure, error.Failure);
        Assert.Equal(5, error.OperationIndex);
        Assert.Equal(Encoding.UTF8.GetBytes(Document), Encoding.UTF8.GetBytes((await handle.GetAsync("doc", Ct)).Value));
    }

    [Theory]
    [MemberData(nameof(FailingLastOperations))]
    public async Task Utf8_is_unchanged_byte_for_byte(string lastOperation, JsonPatchFailure failure)
    {
        await using var db = await FluxDatabase.OpenAsync<string, byte[]>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        var stored = Encoding.UTF8.GetBytes(Document);
        await handle.InsertAsync("doc", stored, Ct);

        var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("doc", $"[{GoodOperations}{lastOperation}]", Ct));

        Assert.Equal(failure, error.Failure);
        Assert.Equal(Encoding.UTF8.GetBytes(Document), (await handle.GetAsync("doc", Ct)).Value);
    }

    [Fact]
    public async Task A_stored_tree_is_never_changed_in_place()
    {
        await using var db = await FluxDatabase.OpenAsync<string, JsonNode>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        var original = JsonNode.Parse(Document)!;
        await handle.InsertAsync("doc", original, Ct);
        var snapshot = original.ToJsonString();

        await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.PatchJsonAsync("doc", $$"""[{{GoodOperations}}{ "op": "test", "path": "/name", "value": "Zoë" }]""", Ct));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(snapshot), (await handle.GetAsync("doc", Ct)).Value));
        Assert.Equal(snapshot, original.ToJsonString());

        // A success replaces the tree; whoever still holds the old one keeps reading it unchanged.
        var patched = await handle.PatchJsonAsync("doc", $$"""[{{GoodOperations}}{ "op": "test", "path": "/name", "value": "Zoe" }]""", Ct);
        Assert.NotSame(original, patched);
        Assert.Equal(snapshot, original.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "name": "Zoe", "tags": [ "b", "c" ], "nested": { }, "n": 1.50, "copy": [ "b", "c" ] }"""), patched));
    }

    [Fact]
    public async Task A_failed_patch_in_a_transaction_rolls_back_its_other_writes()
    {
        await using var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("doc", Document, Ct);

        await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await handle.TransactionAsync(
            async (tx, ct) =>
            {
                await tx.InsertAsync("audit", "patched", ct);
                await tx.PatchJsonAsync("doc", """[{ "op": "add", "path": "/ok", "value": 1 }]""", ct);
                await tx.PatchJsonAsync("doc", """[{ "op": "test", "path": "/ok", "value": 2 }]""", ct);
            },
            Ct));

        Assert.Equal(Document, (await handle.GetAsync("doc", Ct)).Value);
        Assert.False(await handle.ContainsKeyAsync("audit", Ct));
    }
}

using System.Text.Json.Nodes;

namespace FluxMap.JsonPatch.Tests;

/// <summary>RFC 6901/6902 corners beyond the appendix, where the library alone is lenient or wrong.</summary>
public sealed class JsonPointerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{ "a": null }""", """[{ "op": "test", "path": "/a", "value": null }]""")]
    [InlineData("""{ "a": "" }""", """[{ "op": "test", "path": "/a", "value": "" }]""")]
    [InlineData("""{ "a": 100 }""", """[{ "op": "test", "path": "/a", "value": 1e2 }]""")]
    [InlineData("""{ "a": { "x": 1, "y": [1, 2] } }""", """[{ "op": "test", "path": "/a", "value": { "y": [1, 2], "x": 1.0 } }]""")]
    [InlineData("""{ "a": [1] }""", """[{ "op": "test", "path": "", "value": { "a": [1] } }]""")]
    [InlineData("""{ "-": 1 }""", """[{ "op": "test", "path": "/-", "value": 1 }]""")]
    [InlineData("""{ "01": 1 }""", """[{ "op": "test", "path": "/01", "value": 1 }]""")]
    public async Task Tests_that_hold(string document, string patch)
    {
        await using var store = await JsonStore.OpenAsync(PatchForm.TextOnString, document);
        var patched = await store.PatchAsync(patch);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(document), JsonNode.Parse(patched)), patched);
    }

    [Theory]
    [InlineData("""{ "a": [1, 2] }""", """[{ "op": "remove", "path": "/a/-" }]""", "there is no value there")]
    [InlineData("""{ "a": [1, 2] }""", """[{ "op": "replace", "path": "/a/01", "value": 0 }]""", "there is no value there")]
    [InlineData("""{ "a": [1, 2] }""", """[{ "op": "add", "path": "/a/01", "value": 0 }]""", "'01' is not an index from 0 to 2 (or '-') in an array of 2")]
    [InlineData("""{ "a": [1, 2] }""", """[{ "op": "add", "path": "/a/3", "value": 0 }]""", "'3' is not an index from 0 to 2")]
    [InlineData("""{ "a": [1, 2] }""", """[{ "op": "test", "path": "/a/-", "value": 2 }]""", "there is no value there to compare with 2")]
    [InlineData("""{ "a": "text" }""", """[{ "op": "add", "path": "/a/b", "value": 0 }]""", "there is no object or array at '/a' to add to")]
    [InlineData("""{ "a": { "b": 1 } }""", """[{ "op": "move", "from": "/a", "path": "/a/c" }]""", "a value cannot move into one of its own members")]
    [InlineData("""{ "a": 1 }""", """[{ "op": "copy", "from": "/b", "path": "/c" }]""", "there is no value at \"from\" '/b'")]
    public async Task Targets_that_do_not_exist_fail(string document, string patch, string reason)
    {
        await using var store = await JsonStore.OpenAsync(PatchForm.TextOnString, document);

        var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await store.PatchAsync(patch));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(document, await store.ReadAsync());
    }

    [Theory]
    [InlineData(PatchForm.TextOnString)]
    [InlineData(PatchForm.DocumentOnJsonNode)]
    [InlineData(PatchForm.TextOnUtf8)]
    public async Task The_whole_document_can_be_replaced_and_need_not_be_an_object(PatchForm form)
    {
        await using var store = await JsonStore.OpenAsync(form, """{ "a": 1 }""");

        Assert.Equal("[1]", await store.PatchAsync("""[{ "op": "replace", "path": "", "value": [1] }]"""));
        Assert.Equal("[0,1,2]", await store.PatchAsync("""[{ "op": "add", "path": "/0", "value": 0 }, { "op": "add", "path": "/-", "value": 2 }]"""));
        Assert.Equal("\"x\"", await store.PatchAsync("""[{ "op": "replace", "path": "", "value": "x" }]"""));
        Assert.Equal("{\"was\":\"x\"}", await store.PatchAsync("""[{ "op": "move", "from": "", "path": "" }, { "op": "replace", "path": "", "value": {} }, { "op": "add", "path": "/was", "value": "x" }]"""));
    }

    [Fact]
    public async Task A_JsonNode_value_cannot_become_JSON_null_but_text_can()
    {
        const string toNull = """[{ "op": "replace", "path": "", "value": null }]""";
        await using (var nodes = await JsonStore.OpenAsync(PatchForm.DocumentOnJsonNode, "{}"))
        {
            var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await nodes.PatchAsync(toNull));
            Assert.Equal(JsonPatchFailure.OperationFailed, error.Failure);
            Assert.Equal("{}", await nodes.ReadAsync());
        }

        await using var text = await JsonStore.OpenAsync(PatchForm.TextOnString, "{}");
        Assert.Equal("null", await text.PatchAsync(toNull));
    }
}

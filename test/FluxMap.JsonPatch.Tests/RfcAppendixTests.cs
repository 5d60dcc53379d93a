using System.Text.Json.Nodes;

namespace FluxMap.JsonPatch.Tests;

/// <summary>Every example of RFC 6902 Appendix A, through every value shape and entry point.</summary>
public sealed class RfcAppendixTests
{
    public static TheoryData<string, PatchForm> Examples()
    {
        var data = new TheoryData<string, PatchForm>();
        foreach (var example in AppendixA.Cases)
        {
            foreach (var form in Enum.GetValues<PatchForm>())
            {
                // A JsonPatchDocument cannot hold A.13's duplicate "op": the library's reader keeps the last one.
                if (!(example.Section == "A.13" && form == PatchForm.DocumentOnJsonNode))
                {
                    data.Add(example.Section, form);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Example_gives_the_RFC_result(string section, PatchForm form)
    {
        var example = AppendixA.Get(section);
        await using var store = await JsonStore.OpenAsync(form, example.Document);
        var before = await store.ReadAsync();

        if (example.Expected is { } expected)
        {
            var patched = await store.PatchAsync(example.Patch);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(patched)), $"{section} {example.Title}: got {patched}");
            Assert.Equal(patched, await store.ReadAsync());
        }
        else
        {
            var error = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await store.PatchAsync(example.Patch));
            Assert.Equal(example.Failure, error.Failure);
            Assert.Equal(before, await store.ReadAsync());
        }
    }

    [Fact]
    public async Task Failures_say_why()
    {
        await using var store = await JsonStore.OpenAsync(PatchForm.TextOnString, AppendixA.Get("A.15").Document);

        var comparison = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await store.PatchAsync(AppendixA.Get("A.15").Patch));
        Assert.Equal("""JSON Patch operation 0 (test '/~01') failed: the value there is 10, not "10".""", comparison.Message);
        Assert.Equal(0, comparison.OperationIndex);

        var nonexistent = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await store.PatchAsync(AppendixA.Get("A.12").Patch));
        Assert.Equal("JSON Patch operation 0 (add '/baz/bat') failed: there is no object or array at '/baz' to add to.", nonexistent.Message);

        var invalid = await Assert.ThrowsAsync<JsonPatchFailedException>(async () => await store.PatchAsync(AppendixA.Get("A.13").Patch));
        Assert.StartsWith("The JSON Patch is invalid: it is not valid JSON (Duplicate property 'op'", invalid.Message);
        Assert.Null(invalid.OperationIndex);
    }
}

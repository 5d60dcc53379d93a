using System.Text.Json.Nodes;

namespace FluxMap.JsonPatch.Tests;

/// <summary>Patches racing on one document never lose an update.</summary>
public sealed class ConcurrentPatchTests
{
    private const int Tasks = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DurabilityMode.InMemory)]
    [InlineData(DurabilityMode.Full)]
    public async Task Concurrent_appends_are_all_kept(DurabilityMode durability)
    {
        const int perTask = 50;
        using var directory = new TempDirectory();
        await using var db = await FluxDatabase.OpenAsync<string, string>(new FluxMapOptions { Durability = durability, DataDirectory = durability == DurabilityMode.InMemory ? null : directory.Path }, Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("list", """{ "items": [] }""", Ct);

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < perTask; i++)
            {
                var patched = await handle.PatchJsonAsync("list", $$"""[{ "op": "add", "path": "/items/-", "value": "{{t}}-{{i}}" }]""", Ct);
                Assert.Contains($"\"{t}-{i}\"", patched, StringComparison.Ordinal);
            }
        })));

        var items = JsonNode.Parse((await handle.GetAsync("list", Ct)).Value)!["items"]!.AsArray().Select(item => (string)item!);
        var expected = Enumerable.Range(0, Tasks).SelectMany(t => Enumerable.Range(0, perTask).Select(i => $"{t}-{i}"));
        Assert.Equal(expected.Order(), items.Order());
    }

    [Fact]
    public async Task Optimistic_increments_through_test_lose_nothing()
    {
        const int perTask = 25;
        await using var db = await FluxDatabase.OpenAsync<string, JsonNode>(cancellationToken: Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("counter", new JsonObject { ["count"] = 0 }, Ct);
        var testFailures = 0;

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < perTask; i++)
            {
                // Compare-and-set by hand: the test guards the replace, and a lost race is a failed test, never a lost count.
                while (true)
                {
                    var seen = (int)(await handle.GetAsync("counter", Ct)).Value["count"]!;
                    try
                    {
                        await handle.PatchJsonAsync("counter", $$"""[{ "op": "test", "path": "/count", "value": {{seen}} }, { "op": "replace", "path": "/count", "value": {{seen + 1}} }]""", Ct);
                        break;
                    }
                    catch (JsonPatchFailedException e) when (e.Failure == JsonPatchFailure.TestFailed)
                    {
                        Interlocked.Increment(ref testFailures);
                    }
                }
            }
        })));

        Assert.Equal(Tasks * perTask, (int)(await handle.GetAsync("counter", Ct)).Value["count"]!);
        TestContext.Current.SendDiagnosticMessage($"{testFailures} lost races retried");
    }

    [Fact]
    public async Task Concurrent_transactions_patch_two_documents_together()
    {
        const int perTask = 20;
        await using var db = await FluxDatabase.OpenAsync<string, byte[]>(new FluxMapOptions { RetryBaseDelay = TimeSpan.Zero, MaxTransactionAttempts = 1_000 }, Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", """{ "log": [] }"""u8.ToArray(), Ct);
        await handle.InsertAsync("b", """{ "log": [] }"""u8.ToArray(), Ct);

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < perTask; i++)
            {
                var patch = $$"""[{ "op": "add", "path": "/log/0", "value": "{{t}}-{{i}}" }]""";
                await handle.TransactionAsync(
                    async (tx, ct) =>
                    {
                        await tx.PatchJsonAsync("a", patch, ct);
                        await tx.PatchJsonAsync("b", patch, ct);
                    },
                    Ct);
            }
        })));

        // Serializable transactions: both logs hold every entry, in the same order.
        var a = JsonNode.Parse((await handle.GetAsync("a", Ct)).Value)!;
        var b = JsonNode.Parse((await handle.GetAsync("b", Ct)).Value)!;
        Assert.Equal(Tasks * perTask, a["log"]!.AsArray().Count);
        Assert.True(JsonNode.DeepEquals(a, b));
    }
}

namespace FluxMap.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Insert_then_get_round_trips()
    {
        await using var db = await FluxDatabase.OpenAsync<string, int>(cancellationToken: TestContext.Current.CancellationToken);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, TestContext.Current.CancellationToken);
        Assert.Equal(1, (await handle.GetAsync("a", TestContext.Current.CancellationToken)).Value);
    }
}

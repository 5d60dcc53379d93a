namespace FluxMap.Tool.Tests;

/// <summary>A database as an application leaves it: people with a time-to-live and one config string, closed.</summary>
internal static class SampleDatabase
{
    internal static FluxMapOptions Options(string directory) => new() { Durability = DurabilityMode.Relaxed, DataDirectory = directory };

    internal static async Task CreateAsync(string directory, int people)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await FluxDatabase.OpenAsync<string, Person>(Options(directory), ct);
        var handle = db.CreateHandle();
        for (var i = 1; i <= people; i++)
        {
            await handle.InsertAsync($"person:{i}", new Person { Name = $"Ada {i}", Born = 1815 + i }, TimeSpan.FromDays(i), ct);
        }

        await handle.InsertAsync("config", new Person { Name = "config" }, ct);
    }
}

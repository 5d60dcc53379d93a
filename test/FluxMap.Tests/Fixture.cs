namespace FluxMap.Tests;

/// <summary>Shared helpers: open small databases and collect scans.</summary>
internal static class Fixture
{
    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The seed of a randomized test: FLUXMAP_SEED when set (to replay a printed one), else <paramref name="fallback"/>.</summary>
    internal static int SeedOr(int fallback) =>
        Environment.GetEnvironmentVariable("FLUXMAP_SEED") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    /// <summary>A string-to-int database with retries that do not wait.</summary>
    internal static async Task<TestDb> OpenAsync(FluxMapOptions? options = null) =>
        new(await FluxDatabase.OpenAsync<string, int>(options ?? new FluxMapOptions { RetryBaseDelay = TimeSpan.Zero }, Ct));

    internal static async Task SeedAsync(this FluxHandle<string, int> handle, params (string Key, int Value)[] pairs)
    {
        foreach (var (key, value) in pairs)
        {
            await handle.InsertAsync(key, value, Ct);
        }
    }

    internal static async Task<List<KeyValuePair<TKey, TValue>>> ToListAsync<TKey, TValue>(this IAsyncEnumerable<KeyValuePair<TKey, TValue>> scan)
    {
        var list = new List<KeyValuePair<TKey, TValue>>();
        await foreach (var pair in scan)
        {
            list.Add(pair);
        }

        return list;
    }

    internal static async Task<string> KeysAsync<TValue>(this IAsyncEnumerable<KeyValuePair<string, TValue>> scan) =>
        string.Join(",", (await scan.ToListAsync()).Select(p => p.Key));

    internal static async Task<int> ValueAsync(this FluxHandle<string, int> handle, string key) =>
        (await handle.GetAsync(key, Ct)).Value;
}

internal sealed class TestDb(FluxDatabase<string, int> db) : IAsyncDisposable
{
    public FluxDatabase<string, int> Db { get; } = db;

    public FluxHandle<string, int> Handle { get; } = db.CreateHandle();

    /// <summary>How many versions of <paramref name="key"/> are kept: what no snapshot can read is dropped at the next commit.</summary>
    public int ChainLength(string key)
    {
        var length = 0;
        for (var version = Db.Engine.Store.Find(key)!.Head; version is not null; version = version.Older)
        {
            length++;
        }

        return length;
    }

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}

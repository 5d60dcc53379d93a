using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.DataFile;

/// <summary>What the data file tests share: a database on fault-injecting storage whose background work waits for the test.</summary>
internal static class DataFileFixture
{
    /// <summary>Options with every background round (sync timer, write-behind, checkpoints, vacuum) an hour away: the test flushes, checkpoints and compacts when it means to.</summary>
    internal static FluxMapOptions Manual(string directory, DurabilityMode mode, int shards, int maxEntries) => new()
    {
        Durability = mode,
        DataDirectory = directory,
        WalSegmentSize = 64 * 1024,
        RetryBaseDelay = TimeSpan.Zero,
        FlushInterval = TimeSpan.FromHours(1),
        WriteBehindInterval = TimeSpan.FromHours(1),
        CheckpointInterval = TimeSpan.FromHours(1),
        VacuumInterval = TimeSpan.Zero,
        WriteBehindShards = shards,
        WriteBehindMaxEntries = maxEntries,
    };

    internal static ValueTask<FluxDatabase<string, string>> OpenAsync(FaultyStorage storage, FluxMapOptions options) =>
        FluxDatabase.CreateBuilder<string, string>().WithOptions(options).WithStorage(storage).OpenAsync(Ct);

    internal static async Task<Dictionary<string, string>> ContentAsync(FluxDatabase<string, string> db) =>
        (await db.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).ToDictionary(p => p.Key, p => p.Value);
}

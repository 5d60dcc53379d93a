using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.DataFile;

/// <summary>
/// Compaction's policy under a steady load, driven round by round: the data file's own rounds
/// (flush, compact, checkpoint) run exactly where the test says, so every byte count is the same
/// on every run.
/// </summary>
public sealed class CompactionTests
{
    private const int Keys = 20_000;
    private const int FlushEvery = 500;

    // Keys spread over the write-behind shards by a hash of their own, not the process's randomized
    // string hash, so the extents and every byte count after them are the same on every run.
    private static ValueTask<FluxDatabase<string, byte[]>> OpenAsync(FluxMapOptions options) =>
        FluxDatabase.CreateBuilder<string, byte[]>().WithOptions(options).WithComparer(StringComparer.Ordinal, new StableHash()).OpenAsync(Ct);

    // Uniform upserts over every key, then the data file's size against its live bytes after each
    // round. A round every 400 upserts is 2% of the keys, as the default 100 ms interval is at 120,000
    // upserts a second over a million keys; one every 2,000 is 10%, as rounds slowed to a second are.
    [Theory]
    [InlineData(400, 1)]
    [InlineData(400, 3)]
    [InlineData(2_000, 1)]
    public async Task Uniform_upserts_keep_the_data_file_within_twice_its_live_bytes(int roundEvery, int shards)
    {
        using var temp = new TempDirectory();
        var options = DataFileFixture.Manual(temp.Path, DurabilityMode.Relaxed, shards, maxEntries: 1_000_000);
        var random = new Random(SeedOr(18));
        var model = new Dictionary<string, byte[]>();
        var worst = (Ratio: 0.0, Upserts: 0, Statistics: (FluxStatistics?)null);
        await using (var db = await OpenAsync(options))
        {
            var handle = db.CreateHandle();
            for (var n = 0; n < Keys * 5; n++)
            {
                // The first pass inserts every key; the rest upsert keys picked uniformly.
                var key = $"key:{(n < Keys ? n : random.Next(Keys)):D10}";
                var value = new byte[100];
                random.NextBytes(value);
                await handle.InsertAsync(key, value, Ct);
                model[key] = value;
                // A Relaxed log hands commits over to the write-behind buffers as it syncs: synced
                // here, each flush and round takes exactly the commits before it.
                if ((n + 1) % FlushEvery == 0)
                {
                    await db.FlushAsync(Ct);
                    await db.Engine.DataFile!.FlushAllAsync(Ct);
                }

                if ((n + 1) % roundEvery == 0)
                {
                    await db.FlushAsync(Ct);
                    await db.Engine.DataFileRoundAsync(Ct);
                    var statistics = db.GetStatistics();
                    var ratio = statistics.DataFileBytes / (double)statistics.DataFileLiveBytes;
                    if (n >= Keys && ratio > worst.Ratio)
                    {
                        worst = (ratio, n + 1 - Keys, statistics);
                    }
                }
            }

            var end = db.GetStatistics();
            Assert.True(
                worst.Ratio <= 2.0,
                $"the data file reached {worst.Ratio:F3}x its live bytes after {worst.Upserts:N0} upserts: {worst.Statistics!.DataFileBytes:N0} bytes for {worst.Statistics.DataFileLiveBytes:N0} live");
            Assert.True(end.Compactions > 0, "compaction never ran");
        }

        await using var reopened = await OpenAsync(options);
        Assert.Equal(Keys, reopened.GetStatistics().Count);
        var reader = reopened.CreateHandle();
        foreach (var (key, value) in model)
        {
            Assert.Equal(value, (await reader.GetAsync(key, Ct)).Value);
        }
    }

    private sealed class StableHash : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string value)
        {
            // FNV-1a.
            var hash = 2166136261;
            foreach (var c in value)
            {
                hash = (hash ^ c) * 16777619;
            }

            return (int)hash;
        }
    }
}

using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>A durable open reports its phases through the builder's IProgress: data file extents loaded, then log segments replayed.</summary>
public sealed class OpenProgressTests
{
    [Fact]
    public async Task Reopening_reports_each_data_file_extent_and_log_segment_from_zero_to_the_total_in_order()
    {
        using var dir = new TempDirectory();
        var options = new FluxMapOptions
        {
            Durability = DurabilityMode.Relaxed,
            DataDirectory = dir.Path,
            WriteBehindMaxEntries = 8,
            WriteBehindShards = 1,
        };
        await using (var db = await FluxDatabase.OpenAsync<string, int>(options, Ct))
        {
            var handle = db.CreateHandle();
            for (var i = 0; i < 400; i++)
            {
                await handle.InsertAsync($"k{i:D4}", i, Ct);
            }
        }

        var reports = new Reports();
        await using (var reopened = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithOpenProgress(reports).OpenAsync(Ct))
        {
            Assert.Equal(399, (await reopened.CreateHandle().GetAsync("k0399", Ct)).Value);
        }

        Assert.Equal([OpenPhase.LoadingDataFile, OpenPhase.ReplayingLog], reports.List.Select(r => r.Phase).Distinct());
        var extents = reports.Of(OpenPhase.LoadingDataFile);
        Assert.True(extents[^1].Total > 1, $"{extents[^1].Total} extents");
        Assert.InRange(extents.Count, 2, 102);
        reports.AssertCounted(OpenPhase.ReplayingLog);
        reports.AssertCounted(OpenPhase.LoadingDataFile);
    }

    [Fact]
    public async Task A_log_of_several_segments_reports_each_one_replayed()
    {
        using var dir = new TempDirectory();
        var options = new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = dir.Path, UseDataFile = false, WalSegmentSize = 64 * 1024 };
        await using (var db = await FluxDatabase.OpenAsync<string, string>(options, Ct))
        {
            var handle = db.CreateHandle();
            for (var i = 0; i < 64; i++)
            {
                await handle.InsertAsync($"k{i}", new string('x', 4096), Ct);
            }
        }

        var reports = new Reports();
        await using (await FluxDatabase.CreateBuilder<string, string>().WithOptions(options).WithOpenProgress(reports).OpenAsync(Ct))
        {
        }

        var segments = reports.Of(OpenPhase.ReplayingLog);
        Assert.True(segments[^1].Total >= 4, $"{segments[^1].Total} segments");
        Assert.Equal(Enumerable.Range(0, (int)segments[^1].Total + 1).Select(i => (long)i), segments.Select(s => s.Done));
        Assert.DoesNotContain(reports.List, r => r.Phase == OpenPhase.LoadingDataFile);
    }

    [Fact]
    public async Task An_in_memory_open_reports_nothing()
    {
        var reports = new Reports();
        await using (await FluxDatabase.CreateBuilder<string, int>().WithOpenProgress(reports).OpenAsync(Ct))
        {
        }

        Assert.Empty(reports.List);
        Assert.Throws<ArgumentNullException>(() => FluxDatabase.CreateBuilder<string, int>().WithOpenProgress(null!));
    }

    /// <summary>Keeps the reports as they come, on the opening thread (a <see cref="Progress{T}"/> would post them later).</summary>
    private sealed class Reports : IProgress<OpenProgress>
    {
        public List<OpenProgress> List { get; } = [];

        public void Report(OpenProgress value)
        {
            lock (List)
            {
                List.Add(value);
            }
        }

        public List<OpenProgress> Of(OpenPhase phase) => [.. List.Where(r => r.Phase == phase)];

        /// <summary>A phase's reports start at zero, rise strictly, share one total and end at it.</summary>
        public void AssertCounted(OpenPhase phase)
        {
            var reports = Of(phase);
            Assert.Equal(0, reports[0].Done);
            Assert.Equal(reports[0].Total, reports[^1].Done);
            Assert.All(reports, r => Assert.Equal(reports[0].Total, r.Total));
            Assert.All(reports.Zip(reports.Skip(1)), pair => Assert.True(pair.First.Done < pair.Second.Done, $"{pair.First} then {pair.Second}"));
        }
    }
}

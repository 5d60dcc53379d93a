using FluxMap.Compare.Adapters;
using FluxMap.Compare.Measurement;
using FluxMap.Compare.Reporting;

namespace FluxMap.Compare.Tests;

/// <summary>The targets section judges the numbers it is given: met, not met, or not measured, with the figures.</summary>
public sealed class TargetReportTests
{
    private static CompareReport Report(double fsyncP50Microseconds, params (string Workload, string Store, double OpsPerSecond)[] cells) => new(
        new CompareSettings(),
        new MachineInfo("cpu", 2, "1 GiB", "os", "runtime", "gc"),
        fsyncP50Microseconds,
        fsyncP50Microseconds * 2,
        StoreCatalog.All,
        [.. cells.Select(c => c.Workload).Distinct().Select(id => new WorkloadInfo(id, id))],
        [.. cells.Select(c => new CellResult(c.Workload, c.Store) { Operations = (long)c.OpsPerSecond, Seconds = 1 })],
        new Dictionary<string, string>(),
        DateTimeOffset.UnixEpoch,
        TimeSpan.FromMinutes(1));

    private static Dictionary<string, string[]> Rows(CompareReport report) =>
        TargetReport.Lines(report).Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| Target |", StringComparison.Ordinal))
            .Select(l => l.Trim('|').Split(" | ").Select(c => c.Trim()).ToArray())
            .ToDictionary(r => r[0]);

    private static string[] Row(Dictionary<string, string[]> rows, string startsWith) => rows.Single(r => r.Key.StartsWith(startsWith, StringComparison.Ordinal)).Value;

    [Fact]
    public void Names_every_transactional_peer_that_beat_FluxMap_and_ignores_the_in_memory_ceilings()
    {
        var rows = Rows(Report(
            1_000,
            ("ycsb-c-uniform", "fluxmap-inmemory", 1_000_000),
            ("ycsb-c-uniform", "concurrent-dictionary", 2_500_000),
            ("ycsb-c-uniform", "faster", 2_500_000),
            ("ycsb-c-uniform", "rocksdb-nowal", 1_500_000),
            ("ycsb-c-uniform", "fluxmap-relaxed", 900_000),
            ("ycsb-c-uniform", "sqlite-normal", 100_000)));

        var peers = Row(rows, "FluxMap ahead");
        Assert.Equal("ahead in 1 of 2; behind: RocksDB no WAL on `ycsb-c-uniform` 1.50x", peers[1]);
        Assert.Equal("**not met**", peers[2]);
        Assert.Equal(["`ycsb-c-uniform` 2.50x", "met"], Row(rows, "in-memory point reads (`feox-get-*`")[1..]);
        Assert.Equal(["`ycsb-c-uniform` 2.50x", "**not met**"], Row(rows, "in-memory point reads (`ycsb-c-*`)")[1..]);
        Assert.Equal("not measured", Row(rows, "Full commits, 64 writers, within")[2]);
    }

    [Fact]
    public void Judges_full_commits_against_the_lower_of_the_fsync_and_cpu_limits_and_against_sqlite()
    {
        // 64 writers ÷ 1 ms = 64,000 commits/s physically, but Relaxed reaches only 40,000 on this CPU.
        var rows = Rows(Report(
            1_000,
            ("durable-64", "fluxmap-full", 21_000),
            ("durable-64", "fluxmap-relaxed", 40_000),
            ("durable-64", "sqlite-full", 25_000)));

        var limit = Row(rows, "Full commits, 64 writers, within");
        Assert.Equal("21,000 commits/s against a limit of 40,000 (64 ÷ 1,000 µs = 64,000; CPU cap 40,000): 0.53x of it", limit[1]);
        Assert.Equal("met", limit[2]);
        Assert.Equal(["SQLite FULL at 1.19x of FluxMap Full", "**not met**"], Row(rows, "Full commits, 64 writers, ahead")[1..]);
        Assert.Equal(["ahead in 0 of 1; behind: SQLite FULL on `durable-64` 1.19x", "**not met**"], Row(rows, "FluxMap ahead")[1..]);
    }
}

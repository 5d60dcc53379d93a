using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Reporting;

/// <summary>
/// Judges the run against FluxMap's published targets, so the report says plainly where it falls
/// short instead of leaving the reader to find it in the tables.
/// </summary>
internal static class TargetReport
{
    private const string Relaxed = "fluxmap-relaxed";
    private const string Strict = "fluxmap-full";
    private const string Commits64 = "durable-64";

    /// <summary>The section's markdown lines.</summary>
    public static IEnumerable<string> Lines(CompareReport report)
    {
        yield return "## Targets";
        yield return "";
        yield return "Each target judged on this run's numbers (ratios within the run). A smoke run's verdicts are indicative only.";
        yield return "";
        yield return "| Target | Measured | Verdict |";
        yield return "|---|---|---|";
        yield return Row(AheadOfTransactionalPeers(report));
        foreach (var (peer, limit, prefixes) in new[] { ("concurrent-dictionary", 3.0, new[] { "feox-get-", "ycsb-c-" }), ("faster", 2.0, ["ycsb-c-"]) })
        {
            yield return Row(PointReadsWithin(report, peer, limit, prefixes));
        }

        yield return Row(FullCommitsNearGroupCommitLimit(report));
        yield return Row(FullCommitsAheadOfSqlite(report));
        yield return "";
    }

    private static string Row((string Target, string Measured, bool? Met) row) =>
        $"| {row.Target} | {row.Measured} | {(row.Met switch { true => "met", false => "**not met**", null => "not measured" })} |";

    private static (string, string, bool?) AheadOfTransactionalPeers(CompareReport report)
    {
        const string target = "FluxMap ahead of every transactional peer on every workload, in the same durability class";
        var peers = report.Stores.Where(s => !s.IsBaseline && s.Features.HasFlag(StoreFeatures.Transactions) && !s.Features.HasFlag(StoreFeatures.InMemoryCeiling)).ToList();
        var compared = 0;
        var behind = new List<(string Peer, string Workload, double Ratio)>();
        foreach (var peer in peers)
        {
            foreach (var workload in report.Workloads)
            {
                if (report.RatioToFluxMap(workload.Id, peer) is { } ratio)
                {
                    compared++;
                    if (ratio >= 1)
                    {
                        behind.Add((peer.Name, workload.Id, ratio));
                    }
                }
            }
        }

        if (compared == 0)
        {
            return (target, "no transactional peer ran", null);
        }

        var measured = behind.Count == 0
            ? $"ahead in all {compared} comparisons with {string.Join(", ", peers.Select(p => p.Name))}"
            : $"ahead in {compared - behind.Count} of {compared}; behind: " +
                string.Join("; ", behind.OrderByDescending(b => b.Ratio).Select(b => $"{b.Peer} on `{b.Workload}` {Format.Ratio(b.Ratio)}"));
        return (target, measured, behind.Count == 0);
    }

    private static (string, string, bool?) PointReadsWithin(CompareReport report, string peerId, double limit, string[] prefixes)
    {
        var peer = report.Stores.FirstOrDefault(s => s.Id == peerId);
        var target = $"in-memory point reads ({string.Join(", ", prefixes.Select(p => $"`{p}*`"))}) within {limit:0}x of {peer?.Name ?? peerId}";
        var ratios = peer is null
            ? []
            : report.Workloads.Where(w => prefixes.Any(p => w.Id.StartsWith(p, StringComparison.Ordinal)))
                .Select(w => (w.Id, Ratio: report.RatioToFluxMap(w.Id, peer)))
                .Where(r => r.Ratio is not null)
                .Select(r => (r.Id, Ratio: r.Ratio!.Value))
                .ToList();
        return ratios.Count == 0
            ? (target, "not run", null)
            : (target, string.Join("; ", ratios.Select(r => $"`{r.Id}` {Format.Ratio(r.Ratio)}")), ratios.All(r => r.Ratio <= limit));
    }

    private static (string, string, bool?) FullCommitsNearGroupCommitLimit(CompareReport report)
    {
        const string target = "Full commits, 64 writers, within 2x of the group-commit limit (writers ÷ fsync p50, capped by CPU: FluxMap Relaxed's rate on the same workload)";
        var full = Measured(report, Strict);
        if (full is null || report.FsyncP50Microseconds <= 0)
        {
            return (target, "not run", null);
        }

        var physical = 64 * 1_000_000 / report.FsyncP50Microseconds;
        var cpu = Measured(report, Relaxed)?.OperationsPerSecond;
        var limit = cpu is { } c ? Math.Min(physical, c) : physical;
        var measured = $"{Format.Count(full.OperationsPerSecond)} commits/s against a limit of {Format.Count(limit)} " +
            $"(64 ÷ {Format.Amount(report.FsyncP50Microseconds)} µs = {Format.Count(physical)}" +
            (cpu is { } cap ? $"; CPU cap {Format.Count(cap)}" : "") + $"): {Format.Ratio(full.OperationsPerSecond / limit)} of it";
        return (target, measured, full.OperationsPerSecond * 2 >= limit);
    }

    private static (string, string, bool?) FullCommitsAheadOfSqlite(CompareReport report)
    {
        const string target = "Full commits, 64 writers, ahead of SQLite synchronous=FULL";
        var sqlite = report.Stores.FirstOrDefault(s => s.Id == "sqlite-full");
        return sqlite is not null && report.RatioToFluxMap(Commits64, sqlite) is { } ratio
            ? (target, $"SQLite FULL at {Format.Ratio(ratio)} of FluxMap Full", ratio < 1)
            : (target, "not run", null);
    }

    private static CellResult? Measured(CompareReport report, string storeId) =>
        report.Find(Commits64, storeId) is { Skipped: null, OperationsPerSecond: > 0 } result ? result : null;
}

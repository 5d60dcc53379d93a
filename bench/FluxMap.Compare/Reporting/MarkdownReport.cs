using System.Globalization;
using System.Text;
using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Reporting;

/// <summary>The report as markdown: conditions first, then one table (and chart) per workload.</summary>
internal static class MarkdownReport
{
    /// <summary>Column headings of every workload table; tests read rows by these positions.</summary>
    public static readonly string[] Columns =
        ["Store", "Durability", "ops/s", "p50 µs", "p99 µs", "alloc B/op", "peak RSS MiB", "heap MiB", "disk B/op", "vs FluxMap", "Note"];

    /// <summary>Renders <paramref name="report"/>; <paramref name="charts"/> lists workloads that have a chart.</summary>
    public static string Render(CompareReport report, IReadOnlySet<string> charts)
    {
        var text = new StringBuilder();
        var settings = report.Settings;
        var machine = report.Machine;
        Line(text, "# FluxMap compared with .NET embedded stores");
        Line(text);
        Line(text, $"Measured {report.Started:yyyy-MM-dd HH:mm} UTC, {report.Duration.TotalMinutes:F1} min, by:");
        Line(text);
        Line(text, "```bash");
        Line(text, settings.Command);
        Line(text, "```");
        Line(text);
        Line(text, $"- **Machine:** {machine.Cpu}, {machine.Cores} logical cores, {machine.Memory}; {machine.Os}; {machine.Runtime}; GC {machine.Gc}.");
        Line(text, $"- **fsync** of a 4 KiB append in the stores' directory, measured in this run ({settings.FsyncSamples} samples): " +
            $"p50 {Format.Amount(report.FsyncP50Microseconds)} µs, p99 {Format.Amount(report.FsyncP99Microseconds)} µs, " +
            $"so one synced commit at a time reaches at most {Format.Count(OneAtATime(report))} commits/s.");
        Line(text, $"- **Data:** keys of {Keys.KeySize} bytes (\"user\" + 12 digits, byte order = numeric order), values of {Keys.ValueSize} bytes; " +
            $"YCSB and scans over {Format.Count(settings.Records)} records; FeOxDB tables with {string.Join(", ", settings.KeyCounts.Select(k => Format.Count(k)))} keys; " +
            $"{Format.Count(settings.Accounts)} transfer accounts; {string.Join("/", settings.Writers)} durable writers.");
        Line(text, $"- **Per row:** at most {Format.Count(settings.Operations)} operations (FeOxDB: one per key) or {settings.MaxCellDuration.TotalSeconds:0.###} s, whichever comes first; " +
            $"YCSB, scans and transfers on {settings.Threads} threads; seed {settings.Seed}.");
        Line(text, "- **Warm-up:** " + (settings.Rehearse ? "before anything is timed, every store runs every workload once on tiny sizes (an untimed rehearsal), then the run waits until the JIT has compiled nothing for 250 ms; " : "") +
            $"each phase then reads and rewrites its loaded keys for {settings.WarmUp.TotalSeconds:0.###} s" +
            (settings.WarmUp > TimeSpan.Zero ? " and waits again for the JIT to go quiet" : "") + " before its first row.");
        Line(text, "- **Order:** phase by phase (the FeOxDB tables of each key count, YCSB and scans, transfers, durable commits), every store's rows of a phase before the next phase. " +
            "Within a phase a store opens in a fresh directory, loads, warms up and runs the phase's rows alone, then closes, one store after another, " +
            $"except the strict stores ({StrictStores(report)}): each of their commits waits for the disk's fsync, which drifts during a run, " +
            "so they open and load together and take turns row by row (one workload on each of them, then the next workload), and a drift reaches them alike. " +
            "Their peak RSS and heap columns therefore include the other strict stores, open and idle.");
        Line(text, $"- **Settle:** before every timed row, outside its time, every open store finishes its background work (at most {settings.SettleTimeout.TotalSeconds:0.###} s each; " +
            "a row that started with a store unsettled says so in its Note): FluxMap vacuums, checkpoints (which flushes write-behind) and waits for a data-file round with nothing to write; " +
            "RocksDB flushes its memtables and waits for compactions; ZoneTree waits for its maintainer's merges; SQLite checkpoints and truncates its WAL; " +
            "LMDB syncs its environment; LiteDB checkpoints its log; the in-memory collections and FASTER have nothing to settle. Then garbage is collected.");
        if (settings.MaxCellDuration < TimeSpan.FromSeconds(1))
        {
            Line(text, $"- **Smoke run:** rows this short ({settings.MaxCellDuration.TotalSeconds:0.###} s, small data) show that every store and workload runs, " +
                "not how fast: expect large run-to-run noise, especially on a shared machine. Make claims from the full run.");
        }

        Line(text);
        Line(text, "How to read a table: **ops/s** counts completed operations (a transfer or a commit is one). **p50/p99** are per-operation latencies. " +
            "**alloc B/op** is the growth of `GC.GetTotalAllocatedBytes(true)` (every thread, the stores' background threads too; native stores' own memory is not seen) per operation. " +
            "**peak RSS** is the process's resident high-water mark during the row (reset through /proc/self/clear_refs before it; it includes the harness's keys), " +
            "**heap** the managed heap after it. **disk B/op** is the growth of /proc/self/io `write_bytes` per operation (background flushes falling in the row count too; the kernel counts a rewrite of file pages that were already written far above what reaches the device, so rows that append into a reused file, such as FluxMap Full after a checkpoint recycles WAL segments, read high: on this machine 900-byte synced appends to a reused file counted 2 MiB each where the device wrote 5 KiB). " +
            "**vs FluxMap** is ops/s over FluxMap's in the same durability class (none: InMemory, relaxed: Relaxed, strict: Full); above 1 the store is faster.");
        Line(text);
        WriteStores(text, report);
        WriteSummary(text, report);
        foreach (var line in TargetReport.Lines(report))
        {
            Line(text, line);
        }

        foreach (var workload in report.Workloads)
        {
            WriteTable(text, report, workload, charts.Contains(workload.Id));
        }

        return text.ToString();
    }

    private static string StrictStores(CompareReport report) =>
        report.Stores.Any(RunOrder.Interleaves) ? string.Join(", ", report.Stores.Where(RunOrder.Interleaves).Select(s => s.Name)) : "none selected";

    private static double OneAtATime(CompareReport report) => report.FsyncP50Microseconds > 0 ? 1_000_000 / report.FsyncP50Microseconds : 0;

    private static void WriteStores(StringBuilder text, CompareReport report)
    {
        Line(text, "## Stores");
        Line(text);
        Line(text, "| Store | id | Durability | Set up for speed as | Status |");
        Line(text, "|---|---|---|---|---|");
        foreach (var store in report.Stores)
        {
            var status = report.Unavailable.TryGetValue(store.Id, out var reason) ? "unavailable: " + Cell(reason) : "ran";
            Line(text, $"| {store.Name} | `{store.Id}` | {Durability(store)} | {Cell(store.Configuration)} | {status} |");
        }

        Line(text);
    }

    private static void WriteSummary(StringBuilder text, CompareReport report)
    {
        Line(text, "## Summary: throughput relative to FluxMap in the same durability class");
        Line(text);
        Line(text, "Geometric mean of the per-workload ratios (above 1: faster than FluxMap), over the workloads both ran.");
        Line(text);
        Line(text, "| Store | Durability | workloads | geometric mean | lowest | highest |");
        Line(text, "|---|---|---|---|---|---|");
        foreach (var store in report.Stores.Where(s => !s.IsBaseline))
        {
            var ratios = report.Workloads.Select(w => report.RatioToFluxMap(w.Id, store)).OfType<double>().Where(r => r > 0).ToList();
            var mean = ratios.Count == 0 ? (double?)null : Math.Exp(ratios.Average(Math.Log));
            Line(text, $"| {store.Name} | {Durability(store)} | {ratios.Count} | {Format.Ratio(mean)} | " +
                $"{Format.Ratio(ratios.Count == 0 ? null : ratios.Min())} | {Format.Ratio(ratios.Count == 0 ? null : ratios.Max())} |");
        }

        Line(text);
    }

    private static void WriteTable(StringBuilder text, CompareReport report, WorkloadInfo workload, bool chart)
    {
        Line(text, $"## {workload.Title}");
        Line(text);
        Line(text, $"Workload `{workload.Id}`.");
        if (workload.Id.StartsWith("durable-", StringComparison.Ordinal))
        {
            var writers = int.Parse(workload.Id["durable-".Length..], CultureInfo.InvariantCulture);
            Line(text, $"fsync p50 {Format.Amount(report.FsyncP50Microseconds)} µs in this run: {writers} writer(s) sharing every fsync could reach at most " +
                $"{Format.Count(writers * OneAtATime(report))} strict commits/s (the group-commit limit, before CPU costs).");
        }

        Line(text);
        if (chart)
        {
            Line(text, $"![{workload.Id}]({ChartWriter.FileName(workload.Id)})");
            Line(text);
        }

        Line(text, "| " + string.Join(" | ", Columns) + " |");
        Line(text, "|" + string.Concat(Columns.Select((_, i) => i is 0 or 1 or 10 ? "---|" : "---:|")));
        foreach (var store in report.Stores)
        {
            var result = report.Find(workload.Id, store.Id);
            if (result is null || result.Skipped is not null)
            {
                Line(text, $"| {store.Name} | {Durability(store)} | – | – | – | – | – | – | – | – | {Cell(result?.Skipped ?? "not run")} |");
                continue;
            }

            Line(text, $"| {store.Name} | {Durability(store)} | {Format.Count(result.OperationsPerSecond)} | {Format.Amount(result.P50Microseconds)} | " +
                $"{Format.Amount(result.P99Microseconds)} | {Format.Count(result.AllocatedBytesPerOperation)} | {Format.Amount(result.PeakResidentMiB)} | " +
                $"{Format.Amount(result.ManagedHeapMiB)} | {Format.Count(result.DiskBytesPerOperation)} | {Format.Ratio(report.RatioToFluxMap(workload.Id, store))} | " +
                $"{Cell(string.Join("; ", new[] { result.Unsettled, result.Note }.OfType<string>()))} |");
        }

        Line(text);
    }

    private static string Durability(StoreDefinition store) => store.Durability.ToString().ToLowerInvariant();

    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static void Line(StringBuilder text, string line = "") => text.Append(line).Append('\n');
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluxMap.Compare.Adapters;
using FluxMap.Compare.Reporting;
using FluxMap.Compare.Workloads;

namespace FluxMap.Compare.Tests;

/// <summary>Runs the whole harness on tiny sizes, so it cannot rot unnoticed, and reads back what it wrote.</summary>
public sealed class CompareHarnessTests(TinyRun run) : IClassFixture<TinyRun>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fluxmap-compare-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Writes_a_table_row_per_store_and_workload_with_ratios_charts_and_json()
    {
        var (report, output) = (run.Report, run.Output);

        Assert.Empty(report.Unavailable);
        var markdown = await File.ReadAllTextAsync(Path.Combine(output, ReportWriter.ReportFile), TestContext.Current.CancellationToken);
        var sections = Sections(markdown);
        Assert.Equal(report.Workloads.Select(w => w.Title), sections.Keys);
        foreach (var workload in report.Workloads)
        {
            var rows = sections[workload.Title];
            Assert.Equal(report.Stores.Select(s => s.Name), rows.Select(r => r[0]));
            foreach (var (store, row) in report.Stores.Zip(rows))
            {
                var result = report.Find(workload.Id, store.Id)!;
                if (result.Skipped is not null)
                {
                    Assert.Equal("–", row[2]);
                    continue;
                }

                Assert.True(double.Parse(row[2], NumberStyles.Number, CultureInfo.InvariantCulture) > 0, $"{store.Id} {workload.Id}: ops/s {row[2]}");
                var ratio = Regex.Match(row[9], @"^(\d+\.\d\d)x$");
                Assert.True(ratio.Success, $"{store.Id} {workload.Id}: ratio '{row[9]}'");
                if (store.IsBaseline)
                {
                    Assert.Equal("1.00", ratio.Groups[1].Value);
                }
            }

            Assert.True(File.Exists(Path.Combine(output, ChartWriter.FileName(workload.Id))), $"chart of {workload.Id}");
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, ReportWriter.ResultsFile), TestContext.Current.CancellationToken));
        Assert.Equal(report.Results.Count, json.RootElement.GetProperty("Results").GetArrayLength());
    }

    [Fact]
    public void Skips_what_a_store_cannot_do_and_checks_every_transfer_kept_the_money()
    {
        var report = run.Report;

        Assert.Equal("no ordered scan", report.Find("scan-100", "concurrent-dictionary")!.Skipped);
        Assert.Equal("no ordered scan", report.Find("scan-100", "sorted-dictionary")!.Skipped);
        Assert.Equal("no multi-key transactions", report.Find("transfer", "concurrent-dictionary")!.Skipped);
        Assert.Equal("not durable", report.Find("durable-8", "fluxmap-inmemory")!.Skipped);
        var transfers = report.Results.Where(r => r.WorkloadId == "transfer" && r.Skipped is null).ToList();
        Assert.NotEmpty(transfers);
        Assert.All(transfers, t => Assert.Contains("balance total ok", t.Note, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_store_settles_its_background_work_in_time_before_each_row()
    {
        Assert.All(run.Report.Results, r => Assert.Null(r.Unsettled));
    }

    [Fact]
    public async Task Rehearses_every_workload_untimed_then_reports_progress_for_every_measured_row()
    {
        var observer = new RecordingObserver();
        var report = await CompareRunner.RunAsync(run.Settings(Path.Combine(_root, "out")) with { Stores = ["concurrent-dictionary"], Charts = false }, observer);

        Assert.Equal(Enumerable.Range(1, report.Results.Count), observer.Rows);
        Assert.Equal(report.Results.Select(r => $"ConcurrentDictionary {r.WorkloadId}"), observer.Rehearsed);
        Assert.False(File.Exists(Path.Combine(_root, "out", ChartWriter.FileName("transfer"))));
    }

    [Fact]
    public async Task Refuses_an_unknown_store()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            CompareRunner.RunAsync(run.Settings(_root) with { Stores = ["no-such-store"] }, new RecordingObserver()));
        Assert.Contains("fluxmap-full", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Histogram_percentiles_are_within_its_resolution()
    {
        var histogram = new Measurement.LatencyHistogram();
        for (var ticks = 1; ticks <= 10_000; ticks++)
        {
            histogram.Record(ticks);
        }

        var toMicroseconds = 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency;
        Assert.InRange(histogram.PercentileMicroseconds(0.5), 5_000 * 0.93 * toMicroseconds, 5_000 * 1.07 * toMicroseconds);
        Assert.InRange(histogram.PercentileMicroseconds(0.99), 9_900 * 0.93 * toMicroseconds, 9_900 * 1.07 * toMicroseconds);
    }

    [Fact]
    public void Zipfian_choices_are_skewed_and_in_range()
    {
        var zipfian = new ZipfianGenerator(1_000);
        var random = new Random(1);
        var counts = new int[1_000];
        for (var i = 0; i < 100_000; i++)
        {
            counts[zipfian.NextScrambled(random)]++;
        }

        // Under theta 0.99 the hottest of 1,000 items takes about 13% of requests; uniform would give 0.1%.
        Assert.InRange(counts.Max() / 100_000.0, 0.08, 0.2);
    }

    [Fact]
    public void Keys_sort_in_numeric_order()
    {
        Assert.True(ByteArrayComparer.Instance.Compare(Keys.Key(9), Keys.Key(10)) < 0);
        Assert.Equal(Keys.KeySize, Keys.Key(123_456_789_012).Length);
    }

    // Table rows of each "## title" section, cells trimmed, header and separator dropped.
    private static Dictionary<string, List<string[]>> Sections(string markdown)
    {
        var sections = new Dictionary<string, List<string[]>>();
        List<string[]>? current = null;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                current = line is "## Stores" or "## Targets" || line.StartsWith("## Summary", StringComparison.Ordinal) ? null : sections[line[3..]] = [];
            }
            else if (current is not null && line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| Store |", StringComparison.Ordinal))
            {
                current.Add([.. line.Trim('|').Split(" | ").Select(cell => cell.Trim())]);
            }
        }

        return sections;
    }
}

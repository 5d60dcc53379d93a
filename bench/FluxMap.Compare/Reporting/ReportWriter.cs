using System.Text.Json;

namespace FluxMap.Compare.Reporting;

/// <summary>Writes a run's files: README.md (the report), one PNG chart per workload, results.json.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The report's file name.</summary>
    public const string ReportFile = "README.md";

    /// <summary>The machine-readable results' file name.</summary>
    public const string ResultsFile = "results.json";

    /// <summary>Writes everything into <paramref name="directory"/>, replacing an earlier run's charts.</summary>
    public static void Write(CompareReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var old in Directory.EnumerateFiles(directory, ChartWriter.FileName("*")))
        {
            File.Delete(old);
        }

        var charts = report.Settings.Charts
            ? report.Workloads.Where(w => ChartWriter.Write(report, w, directory)).Select(w => w.Id).ToHashSet()
            : [];
        File.WriteAllText(Path.Combine(directory, ReportFile), MarkdownReport.Render(report, charts));
        File.WriteAllText(Path.Combine(directory, ResultsFile), JsonSerializer.Serialize(new
        {
            report.Settings.Command,
            report.Started,
            report.Machine,
            report.FsyncP50Microseconds,
            report.FsyncP99Microseconds,
            Stores = report.Stores.Select(s => new { s.Id, s.Name, Durability = s.Durability.ToString(), s.Configuration }),
            report.Unavailable,
            report.Results,
        }, Json));
    }
}

using FluxMap.Compare.Adapters;
using ScottPlot;

namespace FluxMap.Compare.Reporting;

/// <summary>One horizontal bar chart of throughput per workload on a log scale, bars coloured by durability class.</summary>
internal static class ChartWriter
{
    private static readonly Dictionary<DurabilityClass, Color> Colors = new()
    {
        [DurabilityClass.None] = new Color(0x88, 0x88, 0x88),
        [DurabilityClass.Relaxed] = new Color(0xE6, 0x9F, 0x00),
        [DurabilityClass.Strict] = new Color(0x00, 0x72, 0xB2),
    };

    /// <summary>The chart's file name for <paramref name="workloadId"/>.</summary>
    public static string FileName(string workloadId) => $"chart-{workloadId}.png";

    /// <summary>Writes the chart of <paramref name="workload"/> into <paramref name="directory"/>; false when nothing was measured.</summary>
    public static bool Write(CompareReport report, WorkloadInfo workload, string directory)
    {
        var rows = report.Stores
            .Select(store => (Store: store, Result: report.Find(workload.Id, store.Id)))
            .Where(row => row.Result is { Skipped: null })
            .Reverse()
            .ToList();
        if (rows.Count == 0)
        {
            return false;
        }

        var plot = new Plot();
        var bars = rows.Select((row, i) => new Bar
        {
            Position = i,
            Value = Math.Log10(Math.Max(row.Result!.OperationsPerSecond, 1)),
            FillColor = Colors[row.Store.Durability],
            Label = Format.Short(row.Result.OperationsPerSecond),
            Orientation = Orientation.Horizontal,
        }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Left.SetTicks([.. rows.Select((_, i) => (double)i)], [.. rows.Select(row => row.Store.Name)]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        var decades = (int)Math.Ceiling(bars.Max(bar => bar.Value));
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, decades + 1).Select(d => (double)d)], [.. Enumerable.Range(0, decades + 1).Select(d => Format.Short(Math.Pow(10, d)))]);
        plot.Axes.Margins(left: 0, right: 0.15, bottom: 0.02, top: 0.02);
        plot.Title(workload.Title, size: 13);
        // Log scale: in-memory and fsync-bound stores differ by three or four orders of magnitude.
        plot.XLabel("operations per second, log scale (higher is better)");
        foreach (var (durability, color) in Colors)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"durability: {durability.ToString().ToLowerInvariant()}", FillColor = color });
        }

        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(Path.Combine(directory, FileName(workload.Id)), 1000, 160 + (32 * rows.Count));
        return true;
    }
}

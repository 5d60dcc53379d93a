using FluxMap.Compare.Adapters;
using ScottPlot;

namespace FluxMap.Compare.Reporting;

/// <summary>One horizontal bar chart of throughput per workload, bars coloured by durability class.</summary>
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
            Value = row.Result!.OperationsPerSecond,
            FillColor = Colors[row.Store.Durability],
            Label = Format.Short(row.Result.OperationsPerSecond),
            Orientation = Orientation.Horizontal,
        }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Left.SetTicks([.. rows.Select((_, i) => (double)i)], [.. rows.Select(row => row.Store.Name)]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Margins(left: 0, right: 0.15, bottom: 0.02, top: 0.02);
        plot.Title(workload.Title, size: 13);
        plot.XLabel("operations per second (higher is better)");
        foreach (var (durability, color) in Colors)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"durability: {durability.ToString().ToLowerInvariant()}", FillColor = color });
        }

        plot.Legend.Alignment = Alignment.LowerRight;
        plot.ShowLegend();
        plot.SavePng(Path.Combine(directory, FileName(workload.Id)), 1000, 120 + (32 * rows.Count));
        return true;
    }
}

using System.CommandLine;
using FluxMap.DataFile;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// <c>fluxmap info DIR</c>: format, checkpoint, log segments, sizes and key count. The key count
/// needs the database opened (read-only: the directory is left as it was); on a directory another
/// process holds, info shows what the headers say and names the holder instead.
/// </summary>
internal static class InfoCommand
{
    internal static Command Create() =>
        ToolCommand.CreateOnDatabase("info", "Format, checkpoint, log segments, sizes and key count.", RunAsync);

    private static async Task<int> RunAsync(string path, CancellationToken cancellationToken)
    {
        var header = DirectoryFiles.ReadHeader(path);
        var segments = DirectoryFiles.Segments(path).ToList();
        var table = new Table().AddColumn("what").AddColumn("value");
        table.AddRow("directory", Markup.Escape(path));
        table.AddRow("format", $"data file v{DataFileFormat.FormatVersion}, log v{Durability.WalFormat.FormatVersion}");
        table.AddRow("checkpoint LSN", header is null ? "none (no data file, or no checkpoint yet)" : header.CheckpointLsn.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var dataFile = new FileInfo(Path.Combine(path, DataFileFormat.FileName));
        table.AddRow("data file bytes", dataFile.Exists ? dataFile.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "none");
        table.AddRow("log segments", segments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("log bytes", segments.Sum(s => s.Bytes).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var segment in segments)
        {
            table.AddRow(Markup.Escape(Path.GetFileName(segment.Path)), segment.Records == 0 ? "no records" : $"{segment.Records} records, LSN {segment.FirstLsn}..{segment.LastLsn}");
        }

        try
        {
            var db = await ToolDatabase.InspectAsync(path, cancellationToken).ConfigureAwait(false);
            await using var closing = db.ConfigureAwait(false);
            table.AddRow("keys", db.GetStatistics().Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (FluxMapIOException e) when (e.Message.Contains("already in use", StringComparison.Ordinal))
        {
            table.AddRow("keys", "unknown: another process holds the directory (only the headers above were read)");
        }

        ToolCommand.Out.Write(table);
        return ToolCommand.Done;
    }
}

using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// <c>fluxmap verify DIR</c>: opens the database as the engine does, which checks every log record it
/// replays, the data file's header copies and checkpoint table, and the checksum of every record
/// the table lists, and reports each log segment's valid records. Exit code 2 names the damaged
/// file and offset. A torn tail left by a crash is not damage: the open cuts it off, as any open would.
/// </summary>
internal static class VerifyCommand
{
    internal static Command Create()
    {
        var directory = ToolCommand.Directory();
        return ToolCommand.Create("verify", "Check every record's checksum and the checkpoint table; exit code 2 on damage.", (result, ct) => RunAsync(result.GetValue(directory)!, ct), directory);
    }

    private static async Task<int> RunAsync(string directory, CancellationToken cancellationToken)
    {
        var path = ToolDatabase.Existing(directory);
        foreach (var segment in DirectoryFiles.Segments(path))
        {
            ToolCommand.Out.MarkupLine($"{Markup.Escape(Path.GetFileName(segment.Path))}: {segment.Records} records, chain ends at offset {segment.End}");
        }

        var db = await ToolDatabase.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        await using var closing = db.ConfigureAwait(false);
        var stats = db.GetStatistics();
        ToolCommand.Out.MarkupLine($"[green]ok:[/] {stats.Count} keys, checkpoint at LSN {stats.CheckpointLsn}");
        return ToolCommand.Done;
    }
}

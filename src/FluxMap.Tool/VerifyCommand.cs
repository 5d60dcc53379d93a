using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// <c>fluxmap verify DIR</c>: opens the database read-only, which checks every log record it
/// replays, the data file's header copies and checkpoint table, and the checksum of every record
/// the table lists, and reports each log segment's valid records. Exit code 2 names the damaged
/// file and offset. A torn tail left by a crash is not damage: it is replayed up to the tear and
/// left on disk as it is, for the next open of the database to cut off.
/// </summary>
internal static class VerifyCommand
{
    internal static Command Create() =>
        ToolCommand.CreateOnDatabase("verify", "Check every record's checksum and the checkpoint table; exit code 2 on damage.", RunAsync);

    private static async Task<int> RunAsync(string directory, CancellationToken cancellationToken)
    {
        foreach (var segment in DirectoryFiles.Segments(directory))
        {
            ToolCommand.Out.MarkupLine($"{Markup.Escape(Path.GetFileName(segment.Path))}: {segment.Records} records, chain ends at offset {segment.End}");
        }

        var db = await ToolDatabase.InspectAsync(directory, cancellationToken).ConfigureAwait(false);
        await using var closing = db.ConfigureAwait(false);
        var stats = db.GetStatistics();
        ToolCommand.Out.MarkupLine($"[green]ok:[/] {stats.Count} keys, checkpoint at LSN {stats.CheckpointLsn}");
        return ToolCommand.Done;
    }
}

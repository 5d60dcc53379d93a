using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// <c>fluxmap backup DIR DESTINATION</c>: a copy of a database no process has open, as
/// <see cref="FluxDatabase{TKey, TValue}.BackupAsync"/> writes it. A database a service holds is
/// backed up by the service itself, through BackupAsync, while it serves.
/// </summary>
internal static class BackupCommand
{
    internal static Command Create()
    {
        var directory = ToolCommand.Directory();
        var destination = new Argument<string>("destination") { Description = "A new or empty directory for the copy." };
        return ToolCommand.Create(
            "backup", "Copy a database into a new directory.", (result, ct) => RunAsync(result.GetValue(directory)!, result.GetValue(destination)!, ct), directory, destination);
    }

    private static async Task<int> RunAsync(string directory, string destination, CancellationToken cancellationToken)
    {
        var path = ToolDatabase.Existing(directory);
        var db = await ToolDatabase.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        await using var closing = db.ConfigureAwait(false);
        var result = await ToolCommand.Error.Progress().StartAsync(async context =>
        {
            var task = context.AddTask("backup", maxValue: Math.Max(1, db.GetStatistics().Count));
            var progress = new Progress(value => task.Value = value.KeysWritten);
            return await db.BackupAsync(destination, progress, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        ToolCommand.Out.WriteLine($"backed up {result.Keys} keys ({result.Bytes} bytes) at LSN {result.SnapshotTimestamp} into {result.Destination}");
        return ToolCommand.Done;
    }

    private sealed class Progress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }
}

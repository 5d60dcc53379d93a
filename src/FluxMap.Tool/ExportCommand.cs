using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// <c>fluxmap export DIR</c>: JSON Lines, as <see cref="FluxDatabase{TKey, TValue}.ExportJsonLinesAsync"/> writes them,
/// values as JSON from their MessagePack; the directory is left as it was.
/// </summary>
internal static class ExportCommand
{
    internal static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "The file to write (a new one); standard output when left out." };
        return ToolCommand.CreateOnKeys("export", "Write keys, values and deadlines as JSON Lines.", output, RunAsync);
    }

    private static async Task<int> RunAsync(string directory, KeyRange<MessagePackKey> range, string? output, CancellationToken cancellationToken)
    {
        var db = await ToolDatabase.InspectAsync(directory, cancellationToken).ConfigureAwait(false);
        await using var closing = db.ConfigureAwait(false);
        var stream = output is null ? Console.OpenStandardOutput() : new FileStream(output, FileMode.CreateNew, FileAccess.Write);
        await using (stream.ConfigureAwait(false))
        {
            var count = await db.ExportJsonLinesAsync(stream, range, RawFormatters.JsonOptions, cancellationToken).ConfigureAwait(false);
            ToolCommand.Error.WriteLine($"exported {count} keys");
        }

        return ToolCommand.Done;
    }
}

using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary><c>fluxmap export DIR</c>: JSON Lines, as <see cref="FluxDatabase{TKey, TValue}.ExportJsonLinesAsync"/> writes them, values as JSON from their MessagePack.</summary>
internal static class ExportCommand
{
    internal static Command Create()
    {
        var directory = ToolCommand.Directory();
        var range = new RangeOptions();
        var output = new Option<string?>("--output", "-o") { Description = "The file to write (a new one); standard output when left out." };
        return ToolCommand.Create(
            "export",
            "Write keys, values and deadlines as JSON Lines.",
            (result, ct) => RunAsync(result.GetValue(directory)!, range.Read(result), result.GetValue(output), ct),
            [directory, output, .. range.Symbols]);
    }

    private static async Task<int> RunAsync(string directory, KeyRange<MessagePackKey> range, string? output, CancellationToken cancellationToken)
    {
        var path = ToolDatabase.Existing(directory);
        var db = await ToolDatabase.OpenAsync(path, cancellationToken).ConfigureAwait(false);
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

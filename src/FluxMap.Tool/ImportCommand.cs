using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// <c>fluxmap import DIR</c>: JSON Lines into a database (created when the directory is new or
/// empty), JSON turned into MessagePack by its shape: objects become maps, so a class value
/// exported by the tool reads back into the class; base64 text stays text (import byte arrays
/// through the library's typed import).
/// </summary>
internal static class ImportCommand
{
    internal static Command Create()
    {
        var directory = ToolCommand.Directory("The database directory; created when new.");
        var input = new Option<string?>("--input", "-i") { Description = "The JSON Lines file; standard input when left out." };
        return ToolCommand.Create("import", "Insert keys from JSON Lines, in batches.", (result, ct) => RunAsync(result.GetValue(directory)!, result.GetValue(input), ct), directory, input);
    }

    private static async Task<int> RunAsync(string directory, string? input, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(directory);
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            ToolDatabase.Existing(path);
        }

        var stream = input is null ? Console.OpenStandardInput() : File.OpenRead(input);
        await using (stream.ConfigureAwait(false))
        {
            var db = await ToolDatabase.OpenAsync(path, cancellationToken).ConfigureAwait(false);
            await using var closing = db.ConfigureAwait(false);
            var result = await db.ImportJsonLinesAsync(stream, RawFormatters.JsonOptions, cancellationToken).ConfigureAwait(false);
            ToolCommand.Out.WriteLine($"imported {result.Imported} keys from {result.Lines} lines ({result.Expired} already expired)");
        }

        return ToolCommand.Done;
    }
}

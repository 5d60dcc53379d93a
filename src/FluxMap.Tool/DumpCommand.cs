using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary><c>fluxmap dump DIR</c>: a table of keys and values, shown as JSON from their MessagePack.</summary>
internal static class DumpCommand
{
    internal static Command Create()
    {
        var directory = ToolCommand.Directory();
        var range = new RangeOptions();
        var limit = new Option<int>("--limit") { Description = "At most this many keys.", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(static result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--limit must be 0 or more.");
            }
        });
        return ToolCommand.Create(
            "dump",
            "Show keys and values as JSON.",
            (result, ct) => RunAsync(result.GetValue(directory)!, range.Read(result), result.GetValue(limit), ct),
            [directory, limit, .. range.Symbols]);
    }

    private static async Task<int> RunAsync(string directory, KeyRange<MessagePackKey> range, int limit, CancellationToken cancellationToken)
    {
        var path = ToolDatabase.Existing(directory);
        var db = await ToolDatabase.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        await using var closing = db.ConfigureAwait(false);
        var table = new Table().AddColumn("key").AddColumn("value");
        var shown = 0;
        await foreach (var (key, value) in db.CreateHandle().ScanAsync(range, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (shown++ == limit)
            {
                break;
            }

            table.AddRow(new Text(RawFormatters.ToJson(key.Encoded)), new Text(RawFormatters.ToJson(value.Encoded)));
        }

        ToolCommand.Out.Write(table);
        ToolCommand.Out.WriteLine($"{Math.Min(shown, limit)} of {db.GetStatistics().Count} keys");
        return ToolCommand.Done;
    }
}

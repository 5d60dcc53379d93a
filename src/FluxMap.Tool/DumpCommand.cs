using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary><c>fluxmap dump DIR</c>: a table of keys and values, shown as JSON from their MessagePack; the directory is left as it was.</summary>
internal static class DumpCommand
{
    internal static Command Create()
    {
        var limit = new Option<int>("--limit") { Description = "At most this many keys.", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(static result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--limit must be 0 or more.");
            }
        });
        return ToolCommand.CreateOnKeys("dump", "Show keys and values as JSON.", limit, RunAsync);
    }

    private static async Task<int> RunAsync(string directory, KeyRange<MessagePackKey> range, int limit, CancellationToken cancellationToken)
    {
        var db = await ToolDatabase.InspectAsync(directory, cancellationToken).ConfigureAwait(false);
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

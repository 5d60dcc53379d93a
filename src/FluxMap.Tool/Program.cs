using System.CommandLine;
using FluxMap.Tool;

var root = new RootCommand("Inspect, check, export, import and back up FluxMap databases without the application's types, and watch a running one's metrics.")
{
    InfoCommand.Create(),
    VerifyCommand.Create(),
    DumpCommand.Create(),
    ExportCommand.Create(),
    ImportCommand.Create(),
    BackupCommand.Create(),
    StatsCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

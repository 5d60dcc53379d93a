using System.CommandLine;
using FluxMap.Tool;

var root = new RootCommand("Inspect, check, export, import and back up FluxMap databases without the application's types.")
{
    InfoCommand.Create(),
    VerifyCommand.Create(),
    DumpCommand.Create(),
    ExportCommand.Create(),
    ImportCommand.Create(),
    BackupCommand.Create(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

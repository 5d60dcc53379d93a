using System.Text;

namespace RespServer.Commands;

/// <summary>Connection and server commands, including just enough COMMAND and CONFIG for redis-cli and redis-benchmark to start.</summary>
internal static class ServerCommands
{
    // What redis-benchmark asks for at start: there is no snapshotting or append-only file to report.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["save"] = "",
        ["appendonly"] = "no",
    };

    public static ValueTask Ping(CommandContext context)
    {
        switch (context.Arguments.Count)
        {
            case 1:
                context.Reply.WriteSimpleString("PONG");
                break;
            case 2:
                context.Reply.WriteBulkString(context.Arguments[1]);
                break;
            default:
                throw CommandException.WrongArity("ping");
        }

        return ValueTask.CompletedTask;
    }

    public static ValueTask Echo(CommandContext context)
    {
        context.Reply.WriteBulkString(context.Arguments[1]);
        return ValueTask.CompletedTask;
    }

    public static ValueTask DbSize(CommandContext context)
    {
        context.Reply.WriteInteger(context.Database.GetStatistics().Count);
        return ValueTask.CompletedTask;
    }

    public static ValueTask Quit(CommandContext context)
    {
        context.Reply.WriteOk();
        context.CloseRequested = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>COMMAND COUNT answers; every other form gets an empty list, which clients take as "no command docs".</summary>
    public static ValueTask Command(CommandContext context)
    {
        if (context.Arguments.Count == 2 && context.IsKeyword(1, "COUNT"))
        {
            context.Reply.WriteInteger(CommandTable.Count);
        }
        else
        {
            context.Reply.WriteArrayHeader(0);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>CONFIG GET name...: the settings above as name/value pairs; unknown names are left out, as Redis does.</summary>
    public static ValueTask Config(CommandContext context)
    {
        if (!context.IsKeyword(1, "GET") || context.Arguments.Count < 3)
        {
            throw new CommandException("ERR only CONFIG GET is supported");
        }

        var names = context.Arguments.Skip(2)
            .Select(name => Encoding.UTF8.GetString(name).ToLowerInvariant())
            .Where(Settings.ContainsKey)
            .Distinct()
            .ToList();
        context.Reply.WriteArrayHeader(names.Count * 2);
        foreach (var name in names)
        {
            context.Reply.WriteBulkString(name);
            context.Reply.WriteBulkString(Settings[name]);
        }

        return ValueTask.CompletedTask;
    }
}

using System.Collections.Frozen;
using System.Text;
using FluxMap;

namespace RespServer.Commands;

/// <summary>The commands the server knows, and how one is found, checked and run.</summary>
internal static class CommandTable
{
    // Longer than any command name, so longer input is unknown without being decoded.
    private const int MaxNameLength = 16;

    private static readonly FrozenDictionary<string, CommandDefinition> Definitions = new CommandDefinition[]
    {
        new("PING", -1, ServerCommands.Ping),
        new("ECHO", 2, ServerCommands.Echo),
        new("QUIT", 1, ServerCommands.Quit),
        new("DBSIZE", 1, ServerCommands.DbSize),
        new("COMMAND", -1, ServerCommands.Command),
        new("CONFIG", -2, ServerCommands.Config),
        new("GET", 2, StringCommands.Get),
        new("SET", -3, StringCommands.Set),
        new("SETNX", 3, StringCommands.SetNx),
        new("SETEX", 4, StringCommands.SetEx),
        new("PSETEX", 4, StringCommands.PSetEx),
        new("MGET", -2, StringCommands.MGet),
        new("MSET", -3, StringCommands.MSet),
        new("INCR", 2, StringCommands.Incr),
        new("INCRBY", 3, StringCommands.IncrBy),
        new("DECR", 2, StringCommands.Decr),
        new("DECRBY", 3, StringCommands.DecrBy),
        new("DEL", -2, KeyCommands.Del),
        new("UNLINK", -2, KeyCommands.Del),
        new("EXISTS", -2, KeyCommands.Exists),
        new("EXPIRE", 3, KeyCommands.Expire),
        new("PEXPIRE", 3, KeyCommands.PExpire),
        new("TTL", 2, KeyCommands.Ttl),
        new("PTTL", 2, KeyCommands.PTtl),
        new("PERSIST", 2, KeyCommands.Persist),
        new("SCAN", -2, KeyCommands.Scan),
    }.ToFrozenDictionary(command => command.Name, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, CommandDefinition>.AlternateLookup<ReadOnlySpan<char>> ByName =
        Definitions.GetAlternateLookup<ReadOnlySpan<char>>();

    public static int Count => Definitions.Count;

    /// <summary>Runs the command in <see cref="CommandContext.Arguments"/> and writes its reply, an error reply when it cannot run.</summary>
    public static ValueTask ExecuteAsync(CommandContext context)
    {
        var arguments = context.Arguments;
        if (Find(arguments[0]) is not { } command)
        {
            context.Reply.WriteError(UnknownCommand(arguments));
            return ValueTask.CompletedTask;
        }

        if (!command.Accepts(arguments.Count))
        {
            context.Reply.WriteError(CommandException.WrongArity(command.Name).Message);
            return ValueTask.CompletedTask;
        }

        return RunAsync(command, context);
    }

    private static async ValueTask RunAsync(CommandDefinition command, CommandContext context)
    {
        try
        {
            await command.Execute(context);
        }
        catch (CommandException e)
        {
            context.Reply.WriteError(e.Message);
        }
        catch (FluxMapException e)
        {
            // A conflict that outlasted the retries, or a database that failed closed: this command failed, the server goes on.
            context.Reply.WriteError($"ERR {e.Message}");
        }
    }

    private static CommandDefinition? Find(byte[] name)
    {
        if (name.Length > MaxNameLength)
        {
            return null;
        }

        Span<char> text = stackalloc char[name.Length];
        Encoding.Latin1.GetChars(name, text);
        return ByName.TryGetValue(text, out var command) ? command : null;
    }

    // Redis's wording, which clients and scripts match on.
    private static string UnknownCommand(List<byte[]> arguments)
    {
        static string Quote(byte[] text) => Encoding.UTF8.GetString(text.AsSpan(0, Math.Min(text.Length, 128)));
        var rest = string.Concat(arguments.Skip(1).Take(16).Select(argument => $"'{Quote(argument)}' "));
        return $"ERR unknown command '{Quote(arguments[0])}', with args beginning with: {rest}";
    }
}

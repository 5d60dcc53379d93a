using System.CommandLine;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// What every command shares: its directory argument, the consoles, and the exit codes: 0 done,
/// 1 a mistake or a failure (the message says which), 2 damage found (the message names the file and offset).
/// </summary>
internal static class ToolCommand
{
    internal const int Done = 0;
    internal const int Failed = 1;
    internal const int Damaged = 2;

    internal static IAnsiConsole Out { get; } = Console(System.Console.Out, System.Console.IsOutputRedirected);

    internal static IAnsiConsole Error { get; } = Console(System.Console.Error, System.Console.IsErrorRedirected);

    internal static Argument<string> Directory(string description = "The database directory.") => new("directory") { Description = description };

    // Redirected output goes to a file or a program: lines are not wrapped at a terminal's width there.
    private static IAnsiConsole Console(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected)
        {
            console.Profile.Width = 100_000;
        }

        return console;
    }

    /// <summary>Creates a command on one directory that holds a database; the action gets the directory's full path.</summary>
    internal static Command CreateOnDatabase(string name, string description, Func<string, CancellationToken, Task<int>> action)
    {
        var directory = Directory();
        return Create(name, description, (result, ct) => action(ToolDatabase.Existing(result.GetValue(directory)!), ct), directory);
    }

    /// <summary>
    /// Creates a command on the keys of one database (dump, export): its directory, the key range
    /// options and <paramref name="option"/>; the action gets the directory's full path, the range and the option's value.
    /// </summary>
    internal static Command CreateOnKeys<T>(string name, string description, Option<T> option, Func<string, KeyRange<MessagePackKey>, T, CancellationToken, Task<int>> action)
    {
        var directory = Directory();
        var range = new RangeOptions();
        return Create(
            name,
            description,
            (result, ct) => action(ToolDatabase.Existing(result.GetValue(directory)!), range.Read(result), result.GetValue(option)!, ct),
            [directory, option, .. range.Symbols]);
    }

    /// <summary>Creates a command whose action's errors become a message on standard error and an exit code.</summary>
    internal static Command Create(string name, string description, Func<ParseResult, CancellationToken, Task<int>> action, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken).ConfigureAwait(false);
            }
            catch (CorruptionException e)
            {
                Error.MarkupLine($"[red]damaged:[/] {Markup.Escape(e.FilePath)} at offset {e.Offset}");
                Error.WriteLine(e.Message);
                return Damaged;
            }
            catch (Exception e) when (e is ToolException or FluxMapException or IOException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
            {
                Error.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return Failed;
            }
        });
        return command;
    }
}

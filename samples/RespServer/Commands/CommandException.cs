namespace RespServer.Commands;

/// <summary>A command that cannot run as asked: the client gets the message as an error reply and the connection stays open.</summary>
internal sealed class CommandException(string message) : Exception(message)
{
    public static CommandException NotAnInteger() => new("ERR value is not an integer or out of range");

    public static CommandException SyntaxError() => new("ERR syntax error");

    public static CommandException WrongArity(string command) => new($"ERR wrong number of arguments for '{command.ToLowerInvariant()}' command");

    public static CommandException InvalidExpireTime(string command) => new($"ERR invalid expire time in '{command}' command");
}

namespace RespServer.Commands;

/// <summary>A command the server knows.</summary>
/// <param name="Name">The name, matched without regard to case.</param>
/// <param name="Arity">The argument count including the name, as in Redis's command table: exact when positive, a minimum when negative.</param>
/// <param name="Execute">Runs the command and writes its reply; it writes only once nothing can fail any more, so a failure leaves no half reply.</param>
internal sealed record CommandDefinition(string Name, int Arity, Func<CommandContext, ValueTask> Execute)
{
    public bool Accepts(int argumentCount) => Arity > 0 ? argumentCount == Arity : argumentCount >= -Arity;
}

namespace RespServer.Tests;

/// <summary>An error reply, as <see cref="RespTestClient"/> reads it.</summary>
internal sealed record RespError(string Message);

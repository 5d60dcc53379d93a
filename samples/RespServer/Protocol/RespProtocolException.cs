namespace RespServer.Protocol;

/// <summary>The input cannot be split into commands any more; the server replies with the message and closes the connection, as Redis does.</summary>
internal sealed class RespProtocolException(string problem) : Exception($"ERR Protocol error: {problem}");

namespace FluxMap.Tool;

/// <summary>A mistake in what the tool was asked to do (a missing directory, one that holds no database): exit code 1 with the message.</summary>
internal sealed class ToolException(string message) : Exception(message);

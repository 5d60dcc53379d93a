using Microsoft.Extensions.Logging;

namespace FluxMap.Hosting;

/// <summary>FluxMap.Hosting's log messages. Event ids: 3xx hosting.</summary>
internal static partial class Log
{
    internal const string Category = "FluxMap.Hosting";

    // Storage is "nothing on disk" or "files in '<directory>'", so an in-memory line never reads as if a directory were used.
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Opened the FluxMap database '{Database}' ({Durability} durability, {Storage}) in {ElapsedMs} ms")]
    internal static partial void Opened(ILogger logger, string database, DurabilityMode durability, string storage, long elapsedMs);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Closed the FluxMap database '{Database}' ({Durability} durability, {Storage})")]
    internal static partial void Closed(ILogger logger, string database, DurabilityMode durability, string storage);

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "Started {Count} background services of the FluxMap database '{Database}'")]
    internal static partial void ServicesStarted(ILogger logger, int count, string database);

    [LoggerMessage(EventId = 303, Level = LogLevel.Debug, Message = "Stopped {Count} background services of the FluxMap database '{Database}'")]
    internal static partial void ServicesStopped(ILogger logger, int count, string database);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "Opening the FluxMap database '{Database}': {Phase} {Done} of {Total}")]
    internal static partial void OpenProgressed(ILogger logger, string database, OpenPhase phase, long done, long total);

    [LoggerMessage(EventId = 305, Level = LogLevel.Debug, Message = "Opening the FluxMap database '{Database}': {Phase} {Done} of {Total}")]
    internal static partial void OpenStepped(ILogger logger, string database, OpenPhase phase, long done, long total);
}

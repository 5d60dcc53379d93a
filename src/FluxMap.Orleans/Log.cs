using Microsoft.Extensions.Logging;

namespace FluxMap.Grains;

/// <summary>FluxMap.Orleans' log messages. Event ids: 4xx Orleans storage.</summary>
internal static partial class Log
{
    internal const string Category = "FluxMap.Orleans";

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Opened the FluxMap grain storage '{Provider}' (a database {Sharing}) in {ElapsedMs} ms")]
    internal static partial void Opened(ILogger logger, string provider, string sharing, long elapsedMs);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Closed the FluxMap grain storage '{Provider}'")]
    internal static partial void Closed(ILogger logger, string provider);

    [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "The FluxMap grain storage '{Provider}' refuses every read and write until the silo restarts: {Reason}")]
    internal static partial void Refusing(ILogger logger, string provider, string reason);
}

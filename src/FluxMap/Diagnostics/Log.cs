using Microsoft.Extensions.Logging;

namespace FluxMap.Diagnostics;

/// <summary>FluxMap's log messages. Event ids: 1xx durability, 2xx maintenance.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Recovered {Records} commits from the write-ahead log in '{Directory}' up to LSN {LastLsn} in {ElapsedMs} ms")]
    internal static partial void WalRecovered(ILogger logger, long records, string directory, long lastLsn, long elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Truncated a torn write-ahead log tail in '{File}' at offset {Offset}: commits after LSN {LastLsn} were never synced and are discarded")]
    internal static partial void WalTornTail(ILogger logger, string file, long offset, long lastLsn);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "DATA LOSS: the write-ahead log is damaged in '{File}' at offset {Offset}; opening up to LSN {LastLsn} as RecoverToLastValidRecord allows, and discarding synced commits after it")]
    internal static partial void WalDataLoss(ILogger logger, string file, long offset, long lastLsn);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Writing the write-ahead log in '{Directory}' failed; the database no longer accepts commits")]
    internal static partial void WalFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Loaded {Records} records from the data file '{File}' (checkpoint LSN {CheckpointLsn}) in {ElapsedMs} ms")]
    internal static partial void DataFileLoaded(ILogger logger, long records, string file, long checkpointLsn, long elapsedMs);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Loading the data file '{File}': {Records} records after {ElapsedMs} ms")]
    internal static partial void DataFileLoading(ILogger logger, string file, long records, long elapsedMs);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "Writing the data file '{File}' failed; checkpoints stopped and the write-ahead log keeps every commit until the database is reopened")]
    internal static partial void DataFileFailed(ILogger logger, string file, Exception exception);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "The checkpoint on closing the data file '{File}' failed; the next open replays the write-ahead log instead")]
    internal static partial void CloseCheckpointFailed(ILogger logger, string file, Exception exception);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "The checkpoint that database '{Database}' started because its write-ahead log reached its bound failed; commits waiting for room wait for the data file's next round")]
    internal static partial void LogBoundCheckpointFailed(ILogger logger, string database, Exception exception);

    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "The background service '{Service}' failed; it runs again at its next interval")]
    internal static partial void BackgroundServiceFailed(ILogger logger, string service, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Vacuum reclaimed {Versions} versions and {Keys} keys ({Bytes} bytes) and released {Transactions} read sets")]
    internal static partial void Vacuumed(ILogger logger, long versions, long keys, long bytes, long transactions);
}

namespace FluxMap;

/// <summary>What an open of a durable database is doing, in the order it does it.</summary>
public enum OpenPhase
{
    /// <summary>Loading the data file's records as of its checkpoint; counted in extents (the batches the write-behind wrote).</summary>
    LoadingDataFile,

    /// <summary>Replaying the write-ahead log after the checkpoint; counted in log segments.</summary>
    ReplayingLog,
}

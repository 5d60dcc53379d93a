namespace FluxMap.DataFile;

/// <summary>How full a write-behind buffer is.</summary>
internal enum BufferLevel
{
    /// <summary>Below the flush threshold.</summary>
    Filling,

    /// <summary>At a flush threshold: a background flush is due.</summary>
    FlushDue,

    /// <summary>Past its bound: the log's writer waits for a flush.</summary>
    Full,
}

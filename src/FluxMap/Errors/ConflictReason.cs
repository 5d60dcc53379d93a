namespace FluxMap;

/// <summary>Why a transaction was aborted to keep the database serializable.</summary>
public enum ConflictReason
{
    /// <summary>Another transaction committed a newer version of a key this transaction writes (first committer wins).</summary>
    WriteWrite,

    /// <summary>
    /// This transaction's reads and another's writes formed a dangerous structure of read-write
    /// dependencies that could close a cycle, so one of them has to go.
    /// </summary>
    ReadWrite,
}

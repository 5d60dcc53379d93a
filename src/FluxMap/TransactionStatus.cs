namespace FluxMap;

/// <summary>Where a transaction is in its life.</summary>
public enum TransactionStatus
{
    /// <summary>Open: reads and writes are allowed.</summary>
    Active,

    /// <summary>Committed: its writes are visible to later transactions.</summary>
    Committed,

    /// <summary>Rolled back, by the caller or after a serialization conflict: nothing it wrote is visible.</summary>
    RolledBack,
}

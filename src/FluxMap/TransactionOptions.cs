namespace FluxMap;

/// <summary>How a transaction runs.</summary>
public sealed class TransactionOptions
{
    /// <summary>
    /// Gets a value indicating whether the transaction only reads. Writes then throw. A read-only
    /// transaction never causes a writer to abort; in the rare read-only anomaly it is aborted itself.
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Gets a value indicating whether a read-only transaction first waits for a safe snapshot
    /// (as PostgreSQL's SERIALIZABLE READ ONLY DEFERRABLE): its first read may wait for concurrent
    /// writers to finish, and after that it can never be aborted. Requires <see cref="ReadOnly"/>.
    /// </summary>
    public bool Deferrable { get; init; }
}

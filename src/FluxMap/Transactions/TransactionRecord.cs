namespace FluxMap.Transactions;

/// <summary>
/// The transaction manager's view of one transaction: snapshot, commit timestamp, read trace and
/// the SSI conflict summary. Fields marked "manager lock" change only under the manager's lock.
/// </summary>
internal sealed class TransactionRecord<TKey>
    where TKey : notnull
{
    private TaskCompletionSource? _ended;
    private volatile SerializationConflictException? _doom;

    internal TransactionRecord(long id, long snapshot, bool readOnly, ReadTrace<TKey>? trace)
    {
        Id = id;
        Snapshot = snapshot;
        ReadOnly = readOnly;
        Trace = trace;
    }

    internal long Id { get; }

    internal bool ReadOnly { get; }

    /// <summary>The newest commit timestamp this transaction sees (manager lock; moves forward only for a deferrable wait).</summary>
    internal long Snapshot { get; set; }

    /// <summary>
    /// The reads to check against concurrent writers; null for a read-only transaction on a safe
    /// snapshot, which needs no tracking and cannot be part of an anomaly.
    /// </summary>
    internal ReadTrace<TKey>? Trace { get; set; }

    /// <summary>Read-write transactions a deferrable transaction waits for before its snapshot is known safe (manager lock).</summary>
    internal List<TransactionRecord<TKey>>? PendingWriters { get; set; }

    internal RecordStatus Status { get; set; }

    /// <summary>
    /// The commit timestamp; for a read-only transaction, the newest commit when it committed, so
    /// "committed before it" reads as "commit timestamp at or below".
    /// </summary>
    internal long CommitTimestamp { get; set; } = long.MaxValue;

    /// <summary>
    /// Commit timestamp of the earliest concurrent writer this transaction has a read-write
    /// dependency to (it read a version that writer replaced); MaxValue if none (manager lock).
    /// </summary>
    internal long EarliestOutConflict { get; set; } = long.MaxValue;

    internal object? OutConflictKey { get; set; }

    internal long? OutConflictTransactionId { get; set; }

    /// <summary>
    /// For a transaction that committed without writes: the id of the last transaction begun by
    /// then. Exactly the transactions with an id up to it overlapped it.
    /// </summary>
    internal long LastBegunAtCommit { get; set; }

    /// <summary>Whether the transaction committed writes (its commit timestamp is then its own).</summary>
    internal bool Wrote { get; set; }

    /// <summary><see cref="EarliestOutConflict"/> frozen at commit: a committed pivot candidate.</summary>
    internal long OutConflictAtCommit { get; set; } = long.MaxValue;

    /// <summary>The instant, in UTC ticks, at which this transaction's reads judge expiry (fixed per snapshot).</summary>
    internal long ExpiryClock { get; set; }

    /// <summary>The earliest deadline among expiring values read; a writer must commit before it.</summary>
    internal long EarliestExpiryRead { get; set; } = long.MaxValue;

    /// <summary>The key whose value expires at <see cref="EarliestExpiryRead"/>.</summary>
    internal object? ExpiryReadKey { get; set; }

    internal TransactionRecord<TKey>? OlderActive { get; set; }

    internal TransactionRecord<TKey>? NewerActive { get; set; }

    /// <summary>Set when another transaction's commit decided this one must abort.</summary>
    internal SerializationConflictException? Doom
    {
        get => _doom;
        set => _doom = value;
    }

    internal Task WhenEnded() =>
        (_ended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void SignalEnded() => _ended?.TrySetResult();
}

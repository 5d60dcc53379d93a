namespace FluxMap.Transactions;

/// <summary>
/// The transaction manager's view of one transaction: snapshot, commit timestamp, read trace and
/// the SSI conflict summary. Fields marked "manager lock" change only under the manager's lock.
/// A record has two holders, the SSI tracker and the transaction; once both have let go (see
/// <see cref="Release"/>) nothing refers to it any more and a new transaction may reuse it.
/// </summary>
internal sealed class TransactionRecord<TKey>
    where TKey : notnull
{
    private const int Holders = 2;

    private TaskCompletionSource? _ended;
    private volatile SerializationConflictException? _doom;
    private ReadTrace<TKey>? _spareTrace;
    private int _holders;

    internal TransactionRecord(long id, long snapshot, bool readOnly, ReadTrace<TKey>? trace) => Start(id, snapshot, readOnly, trace);

    internal long Id { get; private set; }

    internal bool ReadOnly { get; private set; }

    /// <summary>The newest commit timestamp this transaction sees (manager lock; moves forward only for a deferrable wait).</summary>
    internal long Snapshot { get; set; }

    /// <summary>
    /// The reads to check against concurrent writers; null for a read-only transaction on a safe
    /// snapshot, which needs no tracking and cannot be part of an anomaly.
    /// </summary>
    internal ReadTrace<TKey>? Trace { get; private set; }

    /// <summary>The trace a released record kept, emptied, for its next transaction to use.</summary>
    internal ReadTrace<TKey>? SpareTrace => _spareTrace;

    /// <summary>Read-write transactions a deferrable transaction waits for before its snapshot is known safe (manager lock).</summary>
    internal List<TransactionRecord<TKey>>? PendingWriters { get; set; }

    /// <summary>
    /// Set when a deferrable transaction's <see cref="PendingWriters"/> took this record, which it
    /// may look at after both holders let go: the record is then never reused (manager lock).
    /// </summary>
    internal bool Shared { get; set; }

    internal RecordStatus Status { get; set; }

    /// <summary>
    /// The commit timestamp; for a read-only transaction, the newest commit when it committed, so
    /// "committed before it" reads as "commit timestamp at or below".
    /// </summary>
    internal long CommitTimestamp { get; set; }

    /// <summary>
    /// Commit timestamp of the earliest concurrent writer this transaction has a read-write
    /// dependency to (it read a version that writer replaced); MaxValue if none (manager lock).
    /// </summary>
    internal long EarliestOutConflict { get; set; }

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
    internal long OutConflictAtCommit { get; set; }

    /// <summary>The instant, in UTC ticks, at which this transaction's reads judge expiry (fixed per snapshot).</summary>
    internal long ExpiryClock { get; set; }

    /// <summary>The earliest deadline among expiring values read; a writer must commit before it.</summary>
    internal long EarliestExpiryRead { get; set; }

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

    /// <summary>Sets the record up for a transaction just begun (a new record, or one <see cref="Release"/> freed), with an empty <paramref name="trace"/>, or null for a transaction that needs none.</summary>
    internal void Start(long id, long snapshot, bool readOnly, ReadTrace<TKey>? trace)
    {
        Id = id;
        Snapshot = snapshot;
        ReadOnly = readOnly;
        Trace = trace;
        Status = RecordStatus.Active;
        CommitTimestamp = long.MaxValue;
        EarliestOutConflict = long.MaxValue;
        LastBegunAtCommit = 0;
        Wrote = false;
        OutConflictAtCommit = long.MaxValue;
        ExpiryClock = 0;
        EarliestExpiryRead = long.MaxValue;
        _holders = Holders;
    }

    /// <summary>
    /// One holder lets go. The last one clears what the record refers to (keeping its trace, emptied,
    /// as <see cref="SpareTrace"/>) and learns that the record may be reused, unless it is <see cref="Shared"/>.
    /// </summary>
    /// <returns>Whether the record is free for another transaction.</returns>
    internal bool Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0 || Shared)
        {
            return false;
        }

        _spareTrace = Trace ?? _spareTrace;
        _spareTrace?.Clear();
        Trace = null;
        PendingWriters = null;
        OutConflictKey = null;
        OutConflictTransactionId = null;
        ExpiryReadKey = null;
        OlderActive = null;
        NewerActive = null;
        _doom = null;
        _ended = null;
        return true;
    }

    internal Task WhenEnded() =>
        (_ended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void SignalEnded() => _ended?.TrySetResult();
}

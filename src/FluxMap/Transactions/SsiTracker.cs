using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// The bookkeeping of serializable snapshot isolation: the active transactions, the committed
/// ones whose reads may still conflict, who wrote each recent commit, and the dangerous-structure
/// checks over them (see <see cref="TransactionManager{TKey, TValue}"/> for the abort rule). It
/// owns no lock: every member runs under the commit lock it is given, which the transaction
/// manager holds while it calls in.
/// </summary>
internal sealed class SsiTracker<TKey>
    where TKey : notnull
{
    // Stand for the memory limit and the time-to-live sweeper in the table of recent writers.
    internal const long EvictionWriter = -1;
    internal const long ExpiryWriter = -2;

    private readonly CommitLock _gate;
    private readonly RecordPool<TKey> _records;
    private readonly int _maxRetained;

    // Whether a reader saw the version of a key that a commit replaces (the commit is long.MaxValue
    // before it has its timestamp); answering it walks the store's version chains.
    private readonly Func<TransactionRecord<TKey>, TKey, long, bool> _sawReplacedVersion;

    // Committed transactions with reads that overlapping transactions may still conflict with,
    // in commit order.
    private readonly List<TransactionRecord<TKey>> _retained = [];
    private readonly CommittedSummary<TKey> _summary;

    // Who committed each recent timestamp, so conflict messages can name the other transaction;
    // a slot holds (commit timestamp, transaction id), with id 0 for an autocommit write.
    private readonly (long Commit, long Id)[] _recentWriters = new (long, long)[1024];

    private TransactionRecord<TKey>? _oldestActive;
    private TransactionRecord<TKey>? _newestActive;
    private int _activeCount;
    private int _activeReadWrite;

    // The oldest active record's snapshot, kept apart for readers without the lock: the record
    // itself may end and be reused by a newer transaction while such a reader looks at it.
    private long _oldestSnapshot = long.MaxValue;

    // records: where a record goes once the tracker and its transaction have let go of it.
    internal SsiTracker(CommitLock gate, KeyOrdering<TKey> keys, RecordPool<TKey> records, int maxRetained, Func<TransactionRecord<TKey>, TKey, long, bool> sawReplacedVersion)
    {
        _gate = gate;
        _records = records;
        _maxRetained = maxRetained;
        _sawReplacedVersion = sawReplacedVersion;
        _summary = new CommittedSummary<TKey>(keys);
    }

    internal int ActiveCount => Volatile.Read(ref _activeCount);

    /// <summary>Active transactions that may write (under the commit lock).</summary>
    internal int ActiveReadWrite
    {
        get
        {
            _gate.AssertHeld();
            return _activeReadWrite;
        }
    }

    /// <summary>The snapshot of the oldest active transaction, long.MaxValue with none; read whole without the lock too.</summary>
    internal long OldestSnapshot => Volatile.Read(ref _oldestSnapshot);

    internal int RetainedCount
    {
        get
        {
            _gate.AssertHeld();
            return _retained.Count;
        }
    }

    internal int SummaryEntries
    {
        get
        {
            _gate.AssertHeld();
            return _summary.TrackedEntries;
        }
    }

    /// <summary>Appends <paramref name="record"/> to the active list, which is in snapshot order.</summary>
    internal void Link(TransactionRecord<TKey> record)
    {
        _gate.AssertHeld();
        record.OlderActive = _newestActive;
        record.NewerActive = null;
        if (_newestActive is null)
        {
            _oldestActive = record;
        }
        else
        {
            _newestActive.NewerActive = record;
        }

        _newestActive = record;
        Volatile.Write(ref _oldestSnapshot, _oldestActive!.Snapshot);
        _activeCount++;
        if (!record.ReadOnly)
        {
            _activeReadWrite++;
        }
    }

    internal void Unlink(TransactionRecord<TKey> record)
    {
        _gate.AssertHeld();
        if (record.OlderActive is null)
        {
            _oldestActive = record.NewerActive;
        }
        else
        {
            record.OlderActive.NewerActive = record.NewerActive;
        }

        if (record.NewerActive is null)
        {
            _newestActive = record.OlderActive;
        }
        else
        {
            record.NewerActive.OlderActive = record.OlderActive;
        }

        record.OlderActive = record.NewerActive = null;
        Volatile.Write(ref _oldestSnapshot, _oldestActive?.Snapshot ?? long.MaxValue);
        _activeCount--;
        if (!record.ReadOnly)
        {
            _activeReadWrite--;
        }
    }

    /// <summary>
    /// Ends <paramref name="record"/>: a committed one with reads is retained for transactions it
    /// overlapped, any other is let go at once; then what nothing can conflict with any more is
    /// dropped (see <see cref="Prune"/>).
    /// </summary>
    internal void Retire(TransactionRecord<TKey> record, RecordStatus status, long visible)
    {
        _gate.AssertHeld();
        Unlink(record);
        record.Status = status;
        record.PendingWriters = null;
        var retained = status == RecordStatus.Committed && record.Trace is { IsEmpty: false };
        if (retained)
        {
            _retained.Add(record);
        }

        record.SignalEnded();
        if (!retained)
        {
            _records.Release(record);
        }

        Prune(visible);
    }

    /// <summary>Notes who committed <paramref name="commit"/>: a transaction id, 0 for an autocommit write, or one of the writer constants.</summary>
    internal void NoteWriter(long commit, long writerId)
    {
        _gate.AssertHeld();
        _recentWriters[commit & (_recentWriters.Length - 1)] = (commit, writerId);
    }

    /// <summary>Who committed <paramref name="commit"/>, if it is recent enough to be remembered.</summary>
    internal long? WriterOf(long commit) =>
        _recentWriters[commit & (_recentWriters.Length - 1)] is var (slotCommit, id) && slotCommit == commit ? id : null;

    internal long? WriterIdOf(long commit) => WriterOf(commit) is > 0 and var id ? id : null;

    internal static string Describe(long? transactionId) =>
        transactionId is { } id ? $"transaction {id}" : "another transaction";

    internal string DescribeWriter(long commit) => WriterOf(commit) switch
    {
        EvictionWriter => "the memory limit, which evicted it,",
        ExpiryWriter => "the time-to-live sweeper, which deleted it,",
        _ => Describe(WriterIdOf(commit)),
    };

    /// <summary>
    /// <paramref name="reader"/> met the version of <paramref name="key"/> committed at
    /// <paramref name="commit"/>, the first one newer than its snapshot: a read-write dependency
    /// from the reader to that version's writer.
    /// </summary>
    internal void NoteStaleRead(TransactionRecord<TKey> reader, TKey key, long commit)
    {
        _gate.AssertHeld();
        var writer = FindRetainedWriter(commit);
        var writerId = WriterIdOf(commit);
        NoteOutConflict(reader, commit, key, writerId);

        // The writer committed already; if it is itself a pivot whose Tout committed first,
        // the structure is complete and only this reader can still give way.
        var writerOut = writer?.OutConflictAtCommit ?? _summary.EarliestOutConflictFor(commit);
        if (writerOut != long.MaxValue && (!reader.ReadOnly || writerOut <= reader.Snapshot) && reader.Doom is null)
        {
            reader.Doom = new SerializationConflictException(
                $"Transaction {reader.Id} was aborted to keep transactions serializable: it read key {KeyFormatter.Format(key)}, " +
                $"which {Describe(writerId)} overwrote after this transaction's snapshot, and that transaction had itself read data " +
                "that a transaction committed before it overwrote. Retry the transaction.",
                ConflictReason.ReadWrite,
                reader.Id,
                key,
                writerId)
            {
                ConflictingCommit = commit,
            };
        }
    }

    // Every transaction that read something tx writes and did not see tx: active ones, committed
    // ones that overlapped tx, and the summary of older committed ones. The commit timestamp in
    // each entry is long.MaxValue for an active reader.
    internal List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? CollectReaders<TValue>(TransactionRecord<TKey> tx, WriteSet<TKey, TValue> writes)
    {
        _gate.AssertHeld();
        List<(TransactionRecord<TKey>?, TKey, long)>? readers = null;
        for (var reader = _oldestActive; reader is not null; reader = reader.NewerActive)
        {
            if (!ReferenceEquals(reader, tx) && reader.Trace is { } trace && trace.TryFindCovered(writes, (this, reader, long.MaxValue), SawReplacedVersion, out var key))
            {
                (readers ??= []).Add((reader, key, long.MaxValue));
            }
        }

        for (var i = _retained.Count - 1; i >= 0; i--)
        {
            var reader = _retained[i];
            if (reader.CommitTimestamp < tx.Snapshot)
            {
                break;
            }

            var overlaps = reader.Wrote ? reader.CommitTimestamp > tx.Snapshot : tx.Id <= reader.LastBegunAtCommit;
            if (overlaps && reader.Trace!.TryFindCovered(writes, (this, reader, long.MaxValue), SawReplacedVersion, out var key))
            {
                (readers ??= []).Add((reader, key, reader.CommitTimestamp));
            }
        }

        if (!_summary.IsEmpty)
        {
            foreach (var write in writes)
            {
                var commit = _summary.LatestReaderCommit(write.Key);
                if (commit >= tx.Snapshot && commit > 0)
                {
                    (readers ??= []).Add((null, write.Key, commit));
                    break;
                }
            }
        }

        return readers;
    }

    // tx as the pivot: it has a read-write dependency out to a transaction that committed first,
    // and one in from a reader. Returns the active read-only readers to abort instead of tx.
    internal List<(TransactionRecord<TKey> Victim, TKey Key)>? CheckPivot(
        TransactionRecord<TKey> tx, List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? readers)
    {
        _gate.AssertHeld();
        var outCommit = tx.EarliestOutConflict;
        if (readers is null || outCommit == long.MaxValue)
        {
            return null;
        }

        List<(TransactionRecord<TKey>, TKey)>? victims = null;
        foreach (var (reader, key, readerCommit) in readers)
        {
            var readOnly = reader?.ReadOnly ?? false;
            if (outCommit > readerCommit || (readOnly && outCommit > reader!.Snapshot))
            {
                continue;
            }

            if (readOnly && reader!.Status == RecordStatus.Active)
            {
                (victims ??= []).Add((reader, key));
                continue;
            }

            throw new SerializationConflictException(
                $"Transaction {tx.Id} was aborted to keep transactions serializable: {Describe(reader?.Id)} read key {KeyFormatter.Format(key)}, " +
                $"which this transaction writes, while this transaction read key {KeyFormatter.Format(tx.OutConflictKey)}, which " +
                $"{Describe(tx.OutConflictTransactionId)} overwrote and committed first. Retry the transaction.",
                ConflictReason.ReadWrite,
                tx.Id,
                key,
                reader?.Id);
        }

        return victims;
    }

    /// <summary>
    /// Once <paramref name="tx"/>'s versions are installed at <paramref name="commit"/>: the active
    /// readers found before gain their dependency on it, so do readers that traced a written key
    /// meanwhile, and the read-only victims of <see cref="CheckPivot"/> are doomed.
    /// </summary>
    internal void NoteInstalled<TValue>(
        TransactionRecord<TKey> tx,
        WriteSet<TKey, TValue> writes,
        List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? readers,
        List<(TransactionRecord<TKey> Victim, TKey Key)>? readOnlyVictims,
        long commit)
    {
        _gate.AssertHeld();
        if (readers is not null)
        {
            foreach (var (reader, key, _) in readers)
            {
                if (reader is { Status: RecordStatus.Active })
                {
                    NoteOutConflict(reader, commit, key, tx.Id);
                }
            }
        }

        NoteLateReaders(tx, writes, readers, commit);

        if (readOnlyVictims is not null)
        {
            foreach (var (victim, key) in readOnlyVictims)
            {
                victim.Doom ??= new SerializationConflictException(
                    $"Read-only transaction {victim.Id} was aborted to keep transactions serializable: it read key {KeyFormatter.Format(key)} " +
                    $"before transaction {tx.Id} changed it, yet it also saw a commit that transaction {tx.Id} must precede. " +
                    "Retry it, or use a deferrable read-only transaction, which waits for a safe snapshot and never aborts.",
                    ConflictReason.ReadWrite,
                    victim.Id,
                    key,
                    tx.Id);
            }
        }
    }

    // A write that read nothing (an autocommit write, an eviction or a sweep): concurrent readers of
    // the key gain a read-write dependency on it. A sweep passes the deadline of the value it
    // deletes: readers whose snapshot judged the key expired already saw it absent, so the delete
    // changes nothing they read.
    internal void NoteBlindWrite(TKey key, long commit, long expiredAt = long.MaxValue)
    {
        _gate.AssertHeld();
        for (var reader = _oldestActive; reader is not null; reader = reader.NewerActive)
        {
            if (reader.ExpiryClock < expiredAt && reader.Trace is { } trace && trace.Covers(key))
            {
                NoteOutConflict(reader, commit, key, null);
            }
        }
    }

    // Read-write transactions a snapshot at `snapshot` is concurrent with: the active ones, and
    // committed ones it does not see yet.
    internal List<TransactionRecord<TKey>>? ConcurrentWriters(long snapshot)
    {
        _gate.AssertHeld();
        List<TransactionRecord<TKey>>? writers = null;
        for (var record = _oldestActive; record is not null; record = record.NewerActive)
        {
            if (!record.ReadOnly)
            {
                Share(record);
            }
        }

        for (var i = _retained.Count - 1; i >= 0 && _retained[i].CommitTimestamp > snapshot; i--)
        {
            if (_retained[i].Wrote)
            {
                Share(_retained[i]);
            }
        }

        return writers;

        // The waiting transaction looks at the records it waits for after their holders let go of them.
        void Share(TransactionRecord<TKey> writer)
        {
            writer.Shared = true;
            (writers ??= []).Add(writer);
        }
    }

    /// <summary>
    /// Drops what no running or future transaction can conflict with, and summarizes the oldest
    /// committed transactions when too many are retained; <paramref name="visible"/> is the
    /// newest commit a new snapshot sees.
    /// </summary>
    /// <returns>How many committed transactions' read sets were released.</returns>
    internal int Prune(long visible)
    {
        _gate.AssertHeld();
        var horizon = Math.Min(OldestSnapshot, visible);
        long? oldestActiveId = null;

        // A writer's reads matter to transactions whose snapshot precedes its commit; the reads of
        // a transaction that wrote nothing matter to transactions that began before it committed.
        // The oldest active id costs a walk of the active list, so it is found only when needed.
        var drop = 0;
        while (drop < _retained.Count && (_retained[drop].Wrote
            ? _retained[drop].CommitTimestamp <= horizon
            : _retained[drop].LastBegunAtCommit < (oldestActiveId ??= OldestActiveId())))
        {
            drop++;
        }

        if (_retained.Count - drop > _maxRetained)
        {
            var summarize = _retained.Count - drop - _maxRetained;
            for (var i = drop; i < drop + summarize; i++)
            {
                _summary.Fold(_retained[i]);
            }

            drop += summarize;
        }

        if (drop > 0)
        {
            for (var i = 0; i < drop; i++)
            {
                _records.Release(_retained[i]);
            }

            _retained.RemoveRange(0, drop);
        }

        if (!_summary.IsEmpty && _summary.MaxCommit < horizon)
        {
            _summary.Clear();
        }

        return drop;
    }

    // A reader may trace a written key after CollectReaders looked and read it before the versions
    // were published, so neither side saw the other. Now that they are published, later reads see
    // them; these late readers get their dependency on tx here, and if tx is a pivot whose Tout
    // committed first, the structure is complete with tx committed, so the reader must abort.
    private void NoteLateReaders<TValue>(
        TransactionRecord<TKey> tx, WriteSet<TKey, TValue> writes, List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? found, long commit)
    {
        for (var reader = _oldestActive; reader is not null; reader = reader.NewerActive)
        {
            if (ReferenceEquals(reader, tx) || reader.Trace is not { } trace || WasFound(found, reader) ||
                !trace.TryFindCovered(writes, (this, reader, commit), SawReplacedVersion, out var key))
            {
                continue;
            }

            NoteOutConflict(reader, commit, key, tx.Id);
            if (tx.EarliestOutConflict != long.MaxValue && (!reader.ReadOnly || tx.EarliestOutConflict <= reader.Snapshot))
            {
                reader.Doom ??= new SerializationConflictException(
                    $"Transaction {reader.Id} was aborted to keep transactions serializable: it read key {KeyFormatter.Format(key)} while transaction {tx.Id} " +
                    "was committing a new version of it, and that transaction had itself read data that a transaction committed before it overwrote. Retry the transaction.",
                    ConflictReason.ReadWrite,
                    reader.Id,
                    key,
                    tx.Id);
            }
        }
    }

    // A loop, not List.Exists: a lambda capturing the reader would cost an allocation on every commit, readers or not.
    private static bool WasFound(List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? found, TransactionRecord<TKey> reader)
    {
        if (found is not null)
        {
            foreach (var (foundReader, _, _) in found)
            {
                if (ReferenceEquals(foundReader, reader))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool SawReplacedVersion((SsiTracker<TKey> Tracker, TransactionRecord<TKey> Reader, long Commit) state, TKey key) =>
        state.Tracker._sawReplacedVersion(state.Reader, key, state.Commit);

    private static void NoteOutConflict(TransactionRecord<TKey> reader, long commit, object key, long? writerId)
    {
        if (commit < reader.EarliestOutConflict)
        {
            reader.EarliestOutConflict = commit;
            reader.OutConflictKey = key;
            reader.OutConflictTransactionId = writerId;
        }
    }

    private TransactionRecord<TKey>? FindRetainedWriter(long commitTimestamp)
    {
        int lo = 0, hi = _retained.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_retained[mid].CommitTimestamp < commitTimestamp)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        for (; lo < _retained.Count && _retained[lo].CommitTimestamp == commitTimestamp; lo++)
        {
            if (_retained[lo].Wrote)
            {
                return _retained[lo];
            }
        }

        return null;
    }

    // Ids follow begin order, but a deferrable re-snapshot moves its record to the end of the list.
    private long OldestActiveId()
    {
        var oldest = long.MaxValue;
        for (var record = _oldestActive; record is not null; record = record.NewerActive)
        {
            oldest = Math.Min(oldest, record.Id);
        }

        return oldest;
    }
}

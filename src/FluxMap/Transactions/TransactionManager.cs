using FluxMap.Diagnostics;
using FluxMap.Durability;
using FluxMap.Maintenance;
using FluxMap.Serialization;
using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// The commit step of serializable snapshot isolation (Cahill et al. 2008; Ports and Grittner,
/// VLDB 2012), and the one owner of the commit lock. Every commit validates and publishes inside
/// one short critical section, so checks and publication are atomic and versions are installed in
/// commit order; reads never take the lock unless they find a version newer than their snapshot.
/// The parts it runs there own no lock and assert this one: <see cref="SsiTracker{TKey}"/> (active
/// list, retained commits, dangerous structures), <see cref="CommitClock"/> (timestamps,
/// visibility), <see cref="VersionInstaller{TKey, TValue}"/> (chains, counts, expiry and memory
/// accounting), <see cref="ValuePager{TKey, TValue}"/> and <see cref="CommitPublisher{TKey, TValue}"/>
/// (the log, refusals). Maintenance borrows the lock only through <see cref="Maintain"/>.
/// </summary>
/// <remarks>
/// Abort rule: a transaction is the pivot of Tin -rw-> Tpivot -rw-> Tout only if Tout committed
/// first (at or before Tin's commit, Tin and Tout may be the same transaction), and for a
/// read-only Tin only if Tout committed before Tin's snapshot. A single read-write edge never
/// aborts anything. The victim is the pivot while it is still active, except that a read-only Tin
/// that is still active is aborted instead, so read-only work never costs a writer its commit.
/// </remarks>
internal sealed partial class TransactionManager<TKey, TValue>
    where TKey : notnull
{
    private readonly CommitLock _gate;
    private readonly VersionedSkipList<TKey, TValue> _store;
    private readonly KeyOrdering<TKey> _keys;
    private readonly SsiTracker<TKey> _ssi;
    private readonly SnapshotPins _pins;
    private readonly EngineCounters _counters;
    private readonly CommitClock _clock;
    private readonly VersionInstaller<TKey, TValue> _installer;
    private readonly CommitPublisher<TKey, TValue> _publisher;
    private readonly MemoryLimiter<TKey, TValue>? _memory;
    private readonly ValuePager<TKey, TValue>? _pager;
    private readonly WalCodec<TKey, TValue>? _codec;
    private readonly RecordPool<TKey> _records;

    private long _lastId;

    /// <param name="parts">The commit lock, clock, store and installer the commit step runs on.</param>
    /// <param name="maxRetained">How many committed transactions' read sets SSI keeps before it summarizes them.</param>
    /// <param name="publisher">Hands commits to the log and makes them visible.</param>
    /// <param name="pager">Pages values out under a memory limit with a data file; null otherwise.</param>
    /// <param name="codec">Encodes write sets for the log; null in memory.</param>
    internal TransactionManager(
        CommitParts<TKey, TValue> parts,
        int maxRetained,
        CommitPublisher<TKey, TValue> publisher,
        ValuePager<TKey, TValue>? pager,
        WalCodec<TKey, TValue>? codec)
    {
        _gate = parts.Gate;
        _store = parts.Store;
        _keys = parts.Keys;
        _counters = parts.Counters;
        _clock = parts.Clock;
        _installer = parts.Installer;
        _memory = parts.Memory;
        _publisher = publisher;
        _pager = pager;
        _codec = codec;
        _records = new RecordPool<TKey>(_keys);
        _ssi = new SsiTracker<TKey>(_gate, _keys, _records, maxRetained, SawReplacedVersion);
        _pins = new SnapshotPins(_gate);
    }

    internal int ActiveCount => _ssi.ActiveCount + _pins.Count;

    /// <summary>Handle scans running on a pinned safe snapshot, with no record (see <see cref="BeginScan"/>).</summary>
    internal int PinnedScans => _pins.Count;

    /// <summary>Why the database stopped accepting commits after one failed half-way, if it did.</summary>
    internal Exception? HalfPublished => _publisher.HalfPublished;

    /// <summary>Entries in the sweeper's queue, stale ones included.</summary>
    internal int QueuedExpiries
    {
        get
        {
            using (_gate.Enter())
            {
                return _installer.QueuedExpiries;
            }
        }
    }

    internal int RetainedCount
    {
        get
        {
            using (_gate.Enter())
            {
                return _ssi.RetainedCount;
            }
        }
    }

    internal int SummaryEntries
    {
        get
        {
            using (_gate.Enter())
            {
                return _ssi.SummaryEntries;
            }
        }
    }

    /// <summary>
    /// The oldest snapshot any transaction or scan holds or can still take (under the commit lock).
    /// The active list is in snapshot order: begins append the current watermark, a deferrable
    /// re-snapshot moves its record to the end.
    /// </summary>
    internal long Horizon
    {
        get
        {
            // Under the lock, nothing it reads can move meanwhile.
            _gate.AssertHeld();
            return ReadHorizon();
        }
    }

    internal TransactionRecord<TKey> Begin(bool readOnly, bool deferrable)
    {
        using (_gate.Enter())
        {
            return BeginLocked(readOnly, deferrable, _clock.Visible);
        }
    }

    /// <summary>
    /// Begins a handle's scan, a read-only transaction that reads nothing but the range: on a safe
    /// snapshot (see <see cref="IsSafe"/>) only the snapshot is pinned, so vacuum keeps what it
    /// reads; SSI needs no record of it.
    /// </summary>
    /// <param name="snapshot">The snapshot pinned, when no record is returned.</param>
    /// <param name="expiryClock">The instant the pinned snapshot judges expiry at.</param>
    /// <returns>The scan's record when its snapshot is not safe; null when the snapshot is pinned (release it with <see cref="Unpin"/>).</returns>
    internal TransactionRecord<TKey>? BeginScan(out long snapshot, out long expiryClock)
    {
        using (_gate.Enter())
        {
            snapshot = _clock.Visible;
            if (!IsSafe(snapshot))
            {
                expiryClock = 0;
                return BeginLocked(readOnly: true, deferrable: false, snapshot);
            }

            expiryClock = _clock.ExpiryClockFor(snapshot);
            _pins.Pin(snapshot);
            return null;
        }
    }

    /// <summary>Ends a scan that <see cref="BeginScan"/> pinned at <paramref name="snapshot"/>.</summary>
    internal void Unpin(long snapshot)
    {
        using (_gate.Enter())
        {
            _pins.Unpin(snapshot);
        }
    }

    private TransactionRecord<TKey> BeginLocked(bool readOnly, bool deferrable, long snapshot)
    {
        var safe = readOnly && IsSafe(snapshot);
        var record = _records.Rent(++_lastId, snapshot, readOnly, traced: !(safe || deferrable));
        record.ExpiryClock = _clock.ExpiryClockFor(snapshot);
        if (deferrable && !safe)
        {
            record.PendingWriters = _ssi.ConcurrentWriters(snapshot);
        }

        _ssi.Link(record);
        return record;
    }

    // A read-only transaction that starts while no read-write transaction is running, and with
    // every commit visible, can never be part of a dangerous structure: it needs no tracking.
    private bool IsSafe(long snapshot) => _ssi.ActiveReadWrite == 0 && _clock.LastCommit == snapshot;

    /// <summary>
    /// Waits until a deferrable transaction's snapshot is safe: every read-write transaction
    /// concurrent with it has ended without a read-write dependency on a commit the snapshot
    /// sees. An unsafe snapshot is replaced by a newer one and the wait starts again.
    /// </summary>
    internal async ValueTask WaitForSafeSnapshotAsync(TransactionRecord<TKey> record, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task[] waits;
            using (_gate.Enter())
            {
                var pending = record.PendingWriters;
                if (pending is null)
                {
                    return;
                }

                waits = [.. pending.Where(p => p.Status == RecordStatus.Active).Select(p => p.WhenEnded())];
                if (waits.Length == 0)
                {
                    if (pending.Exists(p => p.Status == RecordStatus.Committed && p.OutConflictAtCommit <= record.Snapshot))
                    {
                        _ssi.Unlink(record);
                        record.Snapshot = _clock.Visible;
                        record.ExpiryClock = _clock.ExpiryClockFor(record.Snapshot);
                        _ssi.Link(record);
                        record.PendingWriters = _ssi.ConcurrentWriters(record.Snapshot);
                    }
                    else
                    {
                        record.PendingWriters = null;
                    }

                    continue;
                }
            }

            await Task.WhenAll(waits).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Called when <paramref name="reader"/> meets versions of <paramref name="node"/> newer than
    /// its snapshot: a read-write dependency from the reader to the writer of the first of them.
    /// </summary>
    internal void OnStaleRead(TransactionRecord<TKey> reader, SkipListNode<TKey, TValue> node)
    {
        using (_gate.Enter())
        {
            for (var version = node.Head; version is not null && version.Timestamp > reader.Snapshot; version = version.Older)
            {
                // Only the first version after the snapshot that changes what the reader sees
                // replaced it; later ones overwrote that (write-write), so the reader depends on its
                // writer alone.
                var older = version.Older;
                var first = older is null || older.Timestamp <= reader.Snapshot
                    ? !ChangesNothingFor(reader, version)
                    : ChangesNothingFor(reader, older);
                if (!first)
                {
                    continue;
                }

                _ssi.NoteStaleRead(reader, node.Key, version.Timestamp);
            }
        }
    }

    /// <summary>Validates and publishes an explicit transaction.</summary>
    /// <returns>A task that completes when the commit may be acknowledged (at once unless durability waits for a sync).</returns>
    /// <exception cref="SerializationConflictException">The transaction was aborted instead.</exception>
    /// <exception cref="ArgumentException">A key or value cannot be encoded; the transaction stays active.</exception>
    internal ValueTask Commit(TransactionRecord<TKey> tx, WriteSet<TKey, TValue>? writes)
    {
        // Encoded here, on the committing caller, before the commit takes its timestamp: a value
        // that cannot be written fails this call alone, and the log writes exactly these bytes.
        var payload = writes is { Count: > 0 } && _codec is not null ? _codec.EncodeCommit(writes) : null;
        using (_gate.Enter())
        {
            if (tx.Status != RecordStatus.Active)
            {
                throw new InvalidOperationException($"Transaction {tx.Id} has already ended.");
            }

            try
            {
                if (tx.Doom is { } doom)
                {
                    throw doom;
                }

                if (writes is null || writes.Count == 0)
                {
                    tx.CommitTimestamp = _clock.LastCommit;
                    tx.LastBegunAtCommit = _lastId;
                    Retire(tx, RecordStatus.Committed);
                    return default;
                }

                _publisher.ThrowIfUnavailable();

                // One reading of the clock decides both whether the values read are still live
                // and the time recorded for the commit.
                var now = tx.EarliestExpiryRead != long.MaxValue || _publisher.RecordsCommitTimes ? _clock.Now : 0;
                if (tx.EarliestExpiryRead <= now)
                {
                    throw new SerializationConflictException(
                        $"Transaction {tx.Id} was aborted to keep transactions serializable: key {KeyFormatter.Format(tx.ExpiryReadKey)}, which it read, " +
                        "expired before it could commit, so its writes could rest on a value that no longer exists. Retry the transaction.",
                        ConflictReason.ReadWrite,
                        tx.Id,
                        tx.ExpiryReadKey,
                        null);
                }

                CheckWriteWrite(tx, writes);
                var readers = _ssi.CollectReaders(tx, writes);
                var readOnlyVictims = _ssi.CheckPivot(tx, readers);

                var commit = NextCommit(tx.Id, now);
                var horizon = Horizon;
                InstallWrites(writes, commit, horizon);

                _ssi.NoteInstalled(tx, writes, readers, readOnlyVictims, commit);
                tx.CommitTimestamp = commit;
                tx.Wrote = true;
                tx.OutConflictAtCommit = tx.EarliestOutConflict;
                var durable = _publisher.Publish(
                    commit, payload is null ? null : CommitRecord<TKey, TValue>.ForTransaction(commit, payload, writes, tx.OutConflictAtCommit));
                EvictOverLimit(horizon);
                Retire(tx, RecordStatus.Committed);
                return durable;
            }
            catch (Exception e) when (_publisher.PoisonIfPublishing(e))
            {
                throw;
            }
            catch (Exception e) when (e is SerializationConflictException or FluxMapIOException or ObjectDisposedException)
            {
                Retire(tx, RecordStatus.Aborted);
                throw;
            }
        }
    }

    // A transaction's workspace into the store at one commit timestamp; a delete of a key that holds no value installs nothing.
    private void InstallWrites(WriteSet<TKey, TValue> writes, long commit, long horizon)
    {
        _gate.AssertHeld();
        foreach (var write in writes)
        {
            var target = write.IsTombstone ? _store.Find(write.Key) : _store.GetOrAdd(write.Key);
            if (target is not null && !(write.IsTombstone && target.Head is null or { IsTombstone: true }))
            {
                _installer.Install(target, commit, write.Value, write.IsTombstone, write.ExpiresAt, horizon);
            }
        }
    }

    /// <summary>The transaction lets go of its record: it has ended and is disposed, and will not touch the record again.</summary>
    internal void Release(TransactionRecord<TKey> tx) => _records.Release(tx);

    /// <summary>Ends an active transaction without committing it.</summary>
    /// <returns>Whether this call ended it: false when it had already committed or ended.</returns>
    internal bool Abort(TransactionRecord<TKey> tx)
    {
        using (_gate.Enter())
        {
            if (tx.Status != RecordStatus.Active)
            {
                return false;
            }

            Retire(tx, RecordStatus.Aborted);
            return true;
        }
    }

    /// <summary>
    /// Commits a single-key read-modify-write outside any transaction: <paramref name="update"/>
    /// sees the key's newest committed version (null when absent or expired) and its value and
    /// decides the write, all at the commit point, so no concurrent commit can come between the
    /// read and the write and it can never be a pivot; concurrent readers of the key gain a
    /// dependency on it. An exception from <paramref name="update"/> leaves everything unchanged.
    /// An update that reads values (<paramref name="read"/>) runs only once the caller has loaded
    /// a paged-out current version; until then the result names that version as unloaded.
    /// </summary>
    /// <returns>
    /// The version the update saw and its value, whether it wrote, and a task that completes when
    /// the answer may be acknowledged: once the write is durable, or, when nothing was written but
    /// the value seen is not durable yet (Full mode), once that value is.
    /// </returns>
    internal SingleResult<TValue> UpdateSingle<TState>(TKey key, TState state, SingleUpdate<TValue, TState> update, SingleRead<TValue> read = default)
    {
        using (_gate.Enter())
        {
            try
            {
                return UpdateSingleLocked(key, state, update, read);
            }
            catch (Exception e) when (_publisher.PoisonIfPublishing(e))
            {
                throw;
            }
        }
    }

    private SingleResult<TValue> UpdateSingleLocked<TState>(TKey key, TState state, SingleUpdate<TValue, TState> update, SingleRead<TValue> read)
    {
        _publisher.ThrowIfUnavailable();
        var node = _store.Find(key);
        var head = node?.Head;
        var now = head is ExpiringVersion<TValue> || _publisher.RecordsCommitTimes ? _clock.Now : 0;
        var current = head is not null && head.IsLiveAt(now) ? head : null;
        var value = default(TValue)!;
        if (current is PagedVersion<TValue> paged)
        {
            // Its value is in the data file, and no file is read under this lock: unless the caller
            // loaded this very version, it loads it and comes back (another commit may have replaced
            // the one it loaded meanwhile).
            if (read.ReadsValue && !ReferenceEquals(paged, read.Loaded))
            {
                return new(current, value, false, default, paged);
            }

            value = read.Value;
        }
        else if (current is not null)
        {
            value = current.Value;
        }

        var write = update(current, value, now, state);
        if (!write.Write || (write.IsDelete && current is null))
        {
            var durable = head is not null && head.Timestamp > _clock.Visible ? _publisher.WhenDurable() : default;
            return new(current, value, false, durable);
        }

        // Before the commit takes its timestamp, so a value that cannot be encoded changes nothing.
        var payload = !_publisher.Logs ? null : write.Payload ?? _codec!.EncodeSingle(key, write.Value, write.IsDelete, write.ExpiresAt);
        node ??= _store.AddAbsent(_keys.Own(key));
        var commit = NextCommit(0, now);
        var horizon = Horizon;
        _installer.Install(node, commit, write.Value, write.IsDelete, write.ExpiresAt, horizon);
        _ssi.NoteBlindWrite(node.Key, commit);
        var acknowledged = _publisher.Publish(commit, payload is null ? null : CommitRecord<TKey, TValue>.ForSingle(commit, payload, node.Key));
        EvictOverLimit(horizon);
        _ssi.Prune(_clock.Visible);
        return new(current, value, true, acknowledged);
    }

    /// <summary>
    /// Deletes, as one commit, up to <paramref name="budget"/> keys whose time-to-live has run out,
    /// soonest deadline first (the reads already treat them as absent).
    /// </summary>
    /// <returns>How many keys were deleted.</returns>
    internal int SweepExpired(int budget)
    {
        using (_gate.Enter())
        {
            try
            {
                return SweepExpiredLocked(budget);
            }
            catch (Exception e) when (_publisher.PoisonIfPublishing(e))
            {
                throw;
            }
        }
    }

    private int SweepExpiredLocked(int budget)
    {
        if (_publisher.Refuses || !_publisher.TakesCommits || _installer.QueuedExpiries == 0)
        {
            return 0;
        }

        var now = _clock.Now;
        var commit = 0L;
        var horizon = Horizon;
        WriteSet<TKey, TValue>? logged = null;
        var swept = 0;
        while (_installer.TakeExpired(now, ref budget) is { } expired)
        {
            if (commit == 0)
            {
                commit = NextCommit(SsiTracker<TKey>.ExpiryWriter, now);
            }

            var deadline = expired.Head!.ExpiresAt;
            _installer.Install(expired, commit, default!, isTombstone: true, 0, horizon);
            _ssi.NoteBlindWrite(expired.Key, commit, deadline);
            if (_publisher.Logs)
            {
                (logged ??= new WriteSet<TKey, TValue>(_keys.Comparer)).Put(expired.Key, default!, isTombstone: true, 0);
            }

            swept++;
        }

        if (commit != 0)
        {
            // Nobody waits for this commit: the deadlines themselves are durable already.
            _ = _publisher.Publish(commit, logged is null ? null : CommitRecord<TKey, TValue>.ForTransaction(commit, _codec!.EncodeCommit(logged), logged)).AsTask();
            _ssi.Prune(_clock.Visible);
        }

        return swept;
    }

    /// <summary>
    /// Drops what no running or future transaction can conflict with (under the commit lock, in a <see cref="Maintain"/> slice).
    /// Commits do this too; vacuum calls it so an idle database lets go as well.
    /// </summary>
    /// <returns>How many committed transactions' read sets were released.</returns>
    internal int ReleaseBookkeeping()
    {
        return _ssi.Prune(_clock.Visible);
    }

    /// <summary>Refuses every later commit; after this returns, nothing more reaches the log.</summary>
    internal void CloseLog() => _publisher.Close();

    /// <summary>
    /// Runs <paramref name="slice"/> under the commit lock with the horizon (the oldest snapshot
    /// any transaction holds or can still take): a bounded slice of maintenance, such as vacuum's,
    /// that commits wait for.
    /// </summary>
    internal TResult Maintain<TState, TResult>(TState state, Func<TState, long, TResult> slice)
    {
        using (_gate.Enter())
        {
            return slice(state, Horizon);
        }
    }

    /// <summary>
    /// Pages out values of the least recently used keys until live data fits the limit (with a
    /// data file and a memory limit; nothing otherwise).
    /// </summary>
    internal void PageOutOverLimit()
    {
        using (_gate.Enter())
        {
            _pager?.PageOut(_clock.LastCommit);
        }
    }

    /// <summary>Puts a value read back from the data file in memory again if its version is still the key's newest.</summary>
    /// <returns>Whether the store now holds <paramref name="value"/>.</returns>
    internal bool PageIn(SkipListNode<TKey, TValue>? node, PagedVersion<TValue> paged, TValue value)
    {
        using (_gate.Enter())
        {
            return _pager!.PageIn(node, paged, value, _clock.LastCommit);
        }
    }

    // Takes the next commit timestamp and notes its writer; now is the time the caller read already, or zero.
    private long NextCommit(long writerId, long now = 0)
    {
        var commit = _publisher.Begin(now);
        _ssi.NoteWriter(commit, writerId);
        return commit;
    }

    // Under a memory limit: with a data file, pages values out; in memory, evicts least recently
    // used keys, as one commit of tombstones, until live data fits. Snapshots older than that
    // commit still read the values, and the memory returns once they end and vacuum runs.
    private void EvictOverLimit(long horizon)
    {
        _gate.AssertHeld();
        if (_memory is not { IsOverLimit: true })
        {
            return;
        }

        var current = _clock.LastCommit;
        if (_pager is not null)
        {
            _pager.PageOut(current);
            return;
        }

        if (_memory.TakeVictim(current) is not { } victim)
        {
            return;
        }

        var commit = NextCommit(SsiTracker<TKey>.EvictionWriter);
        do
        {
            _installer.Install(victim, commit, default!, isTombstone: true, 0, horizon);
            _ssi.NoteBlindWrite(victim.Key, commit);
            _counters.Evictions++;
        }
        while (_memory.IsOverLimit && (victim = _memory.TakeVictim(current)) is not null);

        _publisher.PublishUnlogged(commit);
    }

    private void CheckWriteWrite(TransactionRecord<TKey> tx, WriteSet<TKey, TValue> writes)
    {
        _gate.AssertHeld();
        foreach (var write in writes)
        {
            if (_store.Find(write.Key)?.Head is { } head && head.Timestamp > tx.Snapshot && !SweptWhatItSawExpired(tx, head))
            {
                var writerId = _ssi.WriterIdOf(head.Timestamp);
                throw new SerializationConflictException(
                    $"Transaction {tx.Id} was aborted: key {KeyFormatter.Format(write.Key)} was changed by {_ssi.DescribeWriter(head.Timestamp)} " +
                    "that committed after this transaction's snapshot (first committer wins). Retry the transaction.",
                    ConflictReason.WriteWrite,
                    tx.Id,
                    write.Key,
                    writerId)
                {
                    ConflictingCommit = head.Timestamp,
                };
            }
        }
    }

    // The sweeper deleted a value that had expired for tx already: nothing tx saw has changed.
    private bool SweptWhatItSawExpired(TransactionRecord<TKey> tx, VersionEntry<TValue> head) =>
        _ssi.WriterOf(head.Timestamp) == SsiTracker<TKey>.ExpiryWriter && ChangesNothingFor(tx, head);

    // A delete of a value that had expired for the reader's snapshot: the key was absent for it before and after.
    private static bool ChangesNothingFor(TransactionRecord<TKey> reader, VersionEntry<TValue> version) =>
        version.IsTombstone &&
        version.Older is ExpiringVersion<TValue> expired && expired.Timestamp <= reader.Snapshot && expired.Deadline <= reader.ExpiryClock;

    // Whether the reader saw the version of the key that a commit at `commit` (long.MaxValue before it
    // has its timestamp) replaces, or one that reads the same to it. When that version was committed
    // after the reader's snapshot and changed what the reader saw, the reader depends on the writer
    // of the first such change, noted when it committed or when the reader met it, and the
    // committing transaction only follows that writer (write-write): no edge from the reader to it.
    // The summary keeps no snapshots and attributes conservatively.
    private bool SawReplacedVersion(TransactionRecord<TKey> reader, TKey key, long commit)
    {
        for (var version = _store.Find(key)?.Head; version is not null; version = version.Older)
        {
            if (version.Timestamp < commit)
            {
                return version.Timestamp <= reader.Snapshot || ChangesNothingFor(reader, version);
            }
        }

        return true;
    }

    private void Retire(TransactionRecord<TKey> record, RecordStatus status) => _ssi.Retire(record, status, _clock.Visible);
}

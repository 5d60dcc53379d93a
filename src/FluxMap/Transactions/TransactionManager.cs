using System.Diagnostics;
using FluxMap.Diagnostics;
using FluxMap.Durability;
using FluxMap.Maintenance;
using FluxMap.Serialization;
using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// Timestamps, the set of active transactions, and serializable snapshot isolation (Cahill et al.
/// 2008; Ports and Grittner, VLDB 2012). Every commit validates and publishes inside one short
/// critical section, so checks and publication are atomic and versions are installed in commit
/// order. Only the committing transaction's own decision and the bookkeeping of others happen
/// there; reads never take this lock unless they find a version newer than their snapshot.
/// </summary>
/// <remarks>
/// Abort rule: a transaction is the pivot of Tin -rw-> Tpivot -rw-> Tout only if Tout committed
/// first (at or before Tin's commit, Tin and Tout may be the same transaction), and for a
/// read-only Tin only if Tout committed before Tin's snapshot. A single read-write edge never
/// aborts anything. The victim is the pivot while it is still active, except that a read-only Tin
/// that is still active is aborted instead, so read-only work never costs a writer its commit.
/// </remarks>
internal sealed class TransactionManager<TKey, TValue>
    where TKey : notnull
{
    // Stand for the memory limit and the time-to-live sweeper in the table of recent writers.
    private const long EvictionWriter = -1;
    private const long ExpiryWriter = -2;

    private readonly Lock _gate = new();
    private readonly VersionedSkipList<TKey, TValue> _store;
    private readonly KeyOrdering<TKey> _keys;
    private readonly int _maxRetained;
    private readonly EngineCounters _counters;
    private readonly MemoryLimiter<TKey, TValue>? _memory;
    private readonly TimeProvider _clock;
    private readonly WalCodec<TKey, TValue>? _codec;

    private readonly ExpiryQueue<TKey, TValue> _expiring = new();

    // In Full durability with time-to-lives in use: the wall-clock time of each commit not yet
    // visible, oldest first (see ExpiryClockFor).
    private readonly Queue<(long Commit, long Time)> _pendingTimes = new();

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
    private long _lastCommit;
    private long _visible;
    private long _lastId;
    private bool _logClosed;

    // Set by the first version with a time-to-live; until then no clock is read.
    private bool _ttlInUse;

    // The commit being installed, from taking its timestamp until it is handed over; zero otherwise.
    private long _publishing;
    private Exception? _halfPublished;

    internal TransactionManager(
        VersionedSkipList<TKey, TValue> store,
        KeyOrdering<TKey> keys,
        int maxRetained,
        EngineCounters counters,
        MemoryLimiter<TKey, TValue>? memory,
        TimeProvider clock,
        WalCodec<TKey, TValue>? codec)
    {
        _clock = clock;
        _codec = codec;
        _store = store;
        _keys = keys;
        _maxRetained = maxRetained;
        _counters = counters;
        _memory = memory;
        _summary = new CommittedSummary<TKey>(keys);
    }

    /// <summary>
    /// Where commits are logged, set once at open before the first commit; null in memory. When it
    /// publishes only durable commits, the visible watermark moves in <see cref="AdvanceVisible"/>.
    /// </summary>
    internal ICommitLog<TKey, TValue>? Log { get; set; }

    /// <summary>The newest commit a new snapshot sees; readers outside transactions read it with Volatile.Read.</summary>
    internal ref long VisibleTimestampRef => ref _visible;

    internal int ActiveCount => Volatile.Read(ref _activeCount);

    /// <summary>The commit lock: vacuum takes it for each bounded slice of its work.</summary>
    internal Lock Gate => _gate;

    /// <summary>
    /// The oldest snapshot any transaction holds or can still take (under <see cref="Gate"/>). The
    /// active list is in snapshot order: begins append the current watermark, a deferrable
    /// re-snapshot moves its record to the end.
    /// </summary>
    internal long Horizon => Math.Min(_oldestActive?.Snapshot ?? long.MaxValue, _visible);

    /// <summary>Now on the database's clock, in UTC ticks: what time-to-live deadlines are compared with.</summary>
    internal long Now => _clock.GetUtcNow().UtcTicks;

    /// <summary>Whether <paramref name="version"/> holds a value now (reads the clock only for an expiring one).</summary>
    internal bool IsLiveNow(VersionEntry<TValue> version) => version.IsLiveAt(version is ExpiringVersion<TValue> ? Now : 0);

    /// <summary>The deadline, in UTC ticks, a time-to-live starting now ends at.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time-to-live is not positive, or ends past the clock's range.</exception>
    internal long DeadlineAfter(TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        var now = Now;
        return timeToLive.Ticks < DateTime.MaxValue.Ticks - now
            ? now + timeToLive.Ticks
            : throw new ArgumentOutOfRangeException(nameof(timeToLive), timeToLive, "The time-to-live ends past the last date the clock can express; use no time-to-live for a key that never expires.");
    }

    /// <summary>Why the database stopped accepting commits after one failed half-way, if it did.</summary>
    internal Exception? HalfPublished => Volatile.Read(ref _halfPublished);

    /// <summary>What a read of <paramref name="version"/> answers about its time-to-live: a miss for no value, null for none, else the time left.</summary>
    internal FluxValue<TimeSpan?> TimeToLiveOf(VersionEntry<TValue>? version) => version switch
    {
        null => default,
        ExpiringVersion<TValue> expiring => new FluxValue<TimeSpan?>(TimeSpan.FromTicks(Math.Max(0, expiring.Deadline - Now))),
        _ => new FluxValue<TimeSpan?>(null),
    };

    /// <summary>Entries in the sweeper's queue, stale ones included.</summary>
    internal int QueuedExpiries
    {
        get
        {
            lock (_gate)
            {
                return _expiring.Count;
            }
        }
    }

    /// <summary>The newest commit, visible or not.</summary>
    internal long LastCommit => Volatile.Read(ref _lastCommit);

    internal int RetainedCount
    {
        get
        {
            lock (_gate)
            {
                return _retained.Count;
            }
        }
    }

    internal int SummaryEntries
    {
        get
        {
            lock (_gate)
            {
                return _summary.TrackedEntries;
            }
        }
    }

    internal TransactionRecord<TKey> Begin(bool readOnly, bool deferrable)
    {
        lock (_gate)
        {
            var snapshot = _visible;

            // A read-only transaction that starts while no read-write transaction is running, and
            // with every commit visible, can never be part of a dangerous structure: skip tracking.
            var safe = readOnly && _activeReadWrite == 0 && _lastCommit == snapshot;
            var record = new TransactionRecord<TKey>(++_lastId, snapshot, readOnly, safe || deferrable ? null : new ReadTrace<TKey>(_keys));
            record.ExpiryClock = ExpiryClockFor(snapshot);
            if (deferrable && !safe)
            {
                record.PendingWriters = ConcurrentWriters(snapshot);
            }

            Link(record);
            return record;
        }
    }

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
            lock (_gate)
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
                        Unlink(record);
                        record.Snapshot = _visible;
                        record.ExpiryClock = ExpiryClockFor(record.Snapshot);
                        Link(record);
                        record.PendingWriters = ConcurrentWriters(record.Snapshot);
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
        lock (_gate)
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

                var writer = FindRetainedWriter(version.Timestamp);
                var writerId = WriterIdOf(version.Timestamp);
                NoteOutConflict(reader, version.Timestamp, node.Key, writerId);

                // The writer committed already; if it is itself a pivot whose Tout committed first,
                // the structure is complete and only this reader can still give way.
                var writerOut = writer?.OutConflictAtCommit ?? _summary.EarliestOutConflictFor(version.Timestamp);
                if (writerOut != long.MaxValue && (!reader.ReadOnly || writerOut <= reader.Snapshot) && reader.Doom is null)
                {
                    reader.Doom = new SerializationConflictException(
                        $"Transaction {reader.Id} was aborted to keep transactions serializable: it read key {KeyFormatter.Format(node.Key)}, " +
                        $"which {Describe(writerId)} overwrote after this transaction's snapshot, and that transaction had itself read data " +
                        "that a transaction committed before it overwrote. Retry the transaction.",
                        ConflictReason.ReadWrite,
                        reader.Id,
                        node.Key,
                        writerId)
                    {
                        ConflictingCommit = version.Timestamp,
                    };
                }
            }
        }
    }

    /// <summary>Validates and publishes an explicit transaction.</summary>
    /// <returns>A task that completes when the commit may be acknowledged (at once unless durability waits for a sync).</returns>
    /// <exception cref="SerializationConflictException">The transaction was aborted instead.</exception>
    /// <exception cref="ArgumentException">A key or value cannot be encoded; the transaction stays active.</exception>
    internal ValueTask Commit(TransactionRecord<TKey> tx, VersionedSkipList<TKey, TValue>? writes)
    {
        // Encoded here, on the committing caller, before the commit takes its timestamp: a value
        // that cannot be written fails this call alone, and the log writes exactly these bytes.
        var payload = writes is { Count: > 0 } && _codec is not null ? _codec.EncodeCommit(writes) : null;
        lock (_gate)
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
                    tx.CommitTimestamp = _lastCommit;
                    tx.LastBegunAtCommit = _lastId;
                    Retire(tx, RecordStatus.Committed);
                    return default;
                }

                ThrowIfLogUnavailable();

                // One reading of the clock decides both whether the values read are still live
                // and the time recorded for the commit.
                var now = tx.EarliestExpiryRead != long.MaxValue || RecordsCommitTimes ? Now : 0;
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
                var readers = CollectReaders(tx, writes);
                var readOnlyVictims = CheckPivot(tx, readers);

                var commit = NextCommit(tx.Id, now);
                var horizon = Horizon;
                for (var node = writes.First; node is not null; node = node.Next(0))
                {
                    var pending = node.Head!;
                    var target = pending.IsTombstone ? _store.Find(node.Key) : _store.GetOrAdd(node.Key);
                    if (target is not null && !(pending.IsTombstone && target.Head is null or { IsTombstone: true }))
                    {
                        Install(target, commit, pending.Value, pending.IsTombstone, pending.ExpiresAt, horizon);
                    }
                }

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

                tx.CommitTimestamp = commit;
                tx.Wrote = true;
                tx.OutConflictAtCommit = tx.EarliestOutConflict;
                var durable = Publish(commit, payload is null || Log is null ? null : CommitRecord<TKey, TValue>.ForTransaction(commit, payload, writes));
                EvictOverLimit(horizon);
                Retire(tx, RecordStatus.Committed);
                return durable;
            }
            catch (Exception e) when (PoisonIfPublishing(e))
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

    internal void Abort(TransactionRecord<TKey> tx)
    {
        lock (_gate)
        {
            if (tx.Status == RecordStatus.Active)
            {
                Retire(tx, RecordStatus.Aborted);
            }
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
        lock (_gate)
        {
            try
            {
                return UpdateSingleLocked(key, state, update, read);
            }
            catch (Exception e) when (PoisonIfPublishing(e))
            {
                throw;
            }
        }
    }

    private SingleResult<TValue> UpdateSingleLocked<TState>(TKey key, TState state, SingleUpdate<TValue, TState> update, SingleRead<TValue> read)
    {
        AssertLocked();
        ThrowIfLogUnavailable();
        var node = _store.Find(key);
        var head = node?.Head;
        var now = head is ExpiringVersion<TValue> || RecordsCommitTimes ? Now : 0;
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
            var durable = head is not null && head.Timestamp > _visible ? new ValueTask(Log!.FlushAsync(CancellationToken.None)) : default;
            return new(current, value, false, durable);
        }

        // Before the commit takes its timestamp, so a value that cannot be encoded changes nothing.
        var payload = Log is null ? null : write.Payload ?? _codec!.EncodeSingle(key, write.Value, write.IsDelete, write.ExpiresAt);
        node ??= _store.AddAbsent(_keys.Own(key));
        var commit = NextCommit(0, now);
        var horizon = Horizon;
        Install(node, commit, write.Value, write.IsDelete, write.ExpiresAt, horizon);
        NoteBlindWrite(node.Key, commit);
        var acknowledged = Publish(commit, payload is null ? null : CommitRecord<TKey, TValue>.ForSingle(commit, payload, node.Key));
        EvictOverLimit(horizon);
        Prune();
        return new(current, value, true, acknowledged);
    }

    /// <summary>
    /// Deletes, as one commit, up to <paramref name="budget"/> keys whose time-to-live has run out,
    /// soonest deadline first (the reads already treat them as absent).
    /// </summary>
    /// <returns>How many keys were deleted.</returns>
    internal int SweepExpired(int budget)
    {
        lock (_gate)
        {
            try
            {
                return SweepExpiredLocked(budget);
            }
            catch (Exception e) when (PoisonIfPublishing(e))
            {
                throw;
            }
        }
    }

    private int SweepExpiredLocked(int budget)
    {
        AssertLocked();
        if (_logClosed || Log?.Failure is not null || _expiring.Count == 0)
        {
            return 0;
        }

        var now = Now;
        var commit = 0L;
        var horizon = Horizon;
        VersionedSkipList<TKey, TValue>? logged = null;
        var swept = 0;
        while (_expiring.TakeExpired(now, ref budget) is { } expired)
        {
            if (commit == 0)
            {
                commit = NextCommit(ExpiryWriter, now);
            }

            var deadline = expired.Head!.ExpiresAt;
            Install(expired, commit, default!, isTombstone: true, 0, horizon);
            NoteBlindWrite(expired.Key, commit, deadline);
            if (Log is not null)
            {
                (logged ??= new VersionedSkipList<TKey, TValue>(_keys, indexed: false)).GetOrAdd(expired.Key).Overwrite(0, default!, isTombstone: true, 0);
            }

            swept++;
        }

        if (commit != 0)
        {
            // Nobody waits for this commit: the deadlines themselves are durable already.
            _ = Publish(commit, logged is null ? null : CommitRecord<TKey, TValue>.ForTransaction(commit, _codec!.EncodeCommit(logged), logged)).AsTask();
            Prune();
        }

        return swept;
    }

    /// <summary>
    /// Drops what no running or future transaction can conflict with (under <see cref="Gate"/>).
    /// Commits do this too; vacuum calls it so an idle database lets go as well.
    /// </summary>
    /// <returns>How many committed transactions' read sets were released.</returns>
    internal int ReleaseBookkeeping()
    {
        AssertLocked();
        var before = _retained.Count;
        Prune();
        return before - _retained.Count;
    }

    /// <summary>Refuses every later commit; after this returns, nothing more reaches the log.</summary>
    internal void CloseLog()
    {
        lock (_gate)
        {
            _logClosed = true;
        }
    }

    /// <summary>Sets the clocks after recovery replayed commits up to <paramref name="lastCommit"/>.</summary>
    internal void Restore(long lastCommit)
    {
        lock (_gate)
        {
            // Replay wrote the newest version of each key straight into the store.
            for (var node = _store.First; node is not null; node = node.Next(0))
            {
                var head = node.Head!;
                _counters.Versions++;
                _counters.LiveKeys += head.IsTombstone ? 0 : 1;
                TrackExpiry(node, head);
                _memory?.OnLoaded(node);
            }

            _lastCommit = lastCommit;
            Volatile.Write(ref _visible, lastCommit);
        }
    }

    /// <summary>Makes commits up to <paramref name="commit"/> visible; called in order by a log that publishes only durable commits.</summary>
    internal void AdvanceVisible(long commit) => Volatile.Write(ref _visible, commit);

    // Every version reaches the store here, so counts, memory and expiry stay exact.
    private void Install(SkipListNode<TKey, TValue> node, long commit, TValue value, bool isTombstone, long expiresAt, long horizon)
    {
        AssertLocked();
        var previous = node.Head;
        var dropped = node.Publish(commit, value, isTombstone, expiresAt, horizon);
        _expiring.Replaced(previous);
        TrackExpiry(node, node.Head!);
        _counters.Versions++;
        _counters.LiveKeys += (isTombstone ? 0 : 1) - (previous is { IsTombstone: false } ? 1 : 0);
        _memory?.OnPublished(node, previous);
        OnTrimmed(dropped);
    }

    private void TrackExpiry(SkipListNode<TKey, TValue> node, VersionEntry<TValue> version)
    {
        AssertLocked();
        if (version is ExpiringVersion<TValue> expiring)
        {
            _ttlInUse = true;
            _expiring.Add(node, expiring);
        }
    }

    private bool RecordsCommitTimes => _ttlInUse && Log is { PublishesWhenDurable: true };

    // Takes the next commit timestamp and notes its writer, and in Full durability its time
    // (<paramref name="now"/> when the caller read the clock already), which snapshots that cannot
    // see it yet need (see ExpiryClockFor).
    private long NextCommit(long writerId, long now = 0)
    {
        AssertLocked();
        var commit = ++_lastCommit;
        _publishing = commit;
        _recentWriters[commit & (_recentWriters.Length - 1)] = (commit, writerId);
        if (RecordsCommitTimes)
        {
            DropVisibleTimes(_visible);
            _pendingTimes.Enqueue((commit, now != 0 ? now : Now));
        }

        return commit;
    }

    private void DropVisibleTimes(long visible)
    {
        while (_pendingTimes.TryPeek(out var pending) && pending.Commit <= visible)
        {
            _pendingTimes.Dequeue();
        }
    }

    // The instant a snapshot judges expiry at. It must fall between its own commit and the next
    // one, or a transaction could see a key expired while missing a commit made before the expiry
    // (Full durability publishes commits late); so it is the earlier of now and the time of the
    // first commit the snapshot cannot see. Before any time-to-live exists no version can expire,
    // and a commit made before then carries no time and needs none.
    private long ExpiryClockFor(long snapshot)
    {
        if (!_ttlInUse)
        {
            return long.MinValue;
        }

        var now = Now;
        DropVisibleTimes(snapshot);
        return _pendingTimes.TryPeek(out var next) && next.Commit == snapshot + 1 ? Math.Min(now, next.Time) : now;
    }

    /// <summary>Counts and accounts versions cut off a chain (under <see cref="Gate"/>); vacuum calls this for what it trims.</summary>
    /// <returns>How many versions were dropped.</returns>
    internal long OnTrimmed(VersionEntry<TValue>? dropped)
    {
        var count = CountVersions(dropped);
        _counters.Versions -= count;
        _counters.VersionsReclaimed += count;
        _memory?.OnTrimmed(dropped);
        return count;
    }

    private static long CountVersions(VersionEntry<TValue>? chain)
    {
        var count = 0L;
        for (var version = chain; version is not null; version = version.Older)
        {
            count++;
        }

        return count;
    }

    // A write that read nothing (an autocommit write, an eviction or a sweep): concurrent readers of
    // the key gain a read-write dependency on it. A sweep passes the deadline of the value it
    // deletes: readers whose snapshot judged the key expired already saw it absent, so the delete
    // changes nothing they read.
    private void NoteBlindWrite(TKey key, long commit, long expiredAt = long.MaxValue)
    {
        AssertLocked();
        for (var reader = _oldestActive; reader is not null; reader = reader.NewerActive)
        {
            if (reader.ExpiryClock < expiredAt && reader.Trace is { } trace && trace.Covers(key))
            {
                NoteOutConflict(reader, commit, key, null);
            }
        }
    }

    /// <summary>
    /// With a data file: drops the value of a key's version from memory if the data file holds
    /// it, returning the version that reads it back; set when a durable database has a memory limit.
    /// </summary>
    internal Func<TKey, long, PagedVersion<TValue>?>? Pager { get; set; }

    /// <summary>
    /// Pages out values of the least recently used keys until live data fits the limit. A key
    /// qualifies once the data file holds its only version; the rest wait for the next flush.
    /// </summary>
    internal void PageOutOverLimit()
    {
        lock (_gate)
        {
            PageOut(_lastCommit);
        }
    }

    /// <summary>Puts a value read back from the data file in memory again if its version is still the key's newest.</summary>
    /// <returns>Whether the store now holds <paramref name="value"/>.</returns>
    internal bool PageIn(SkipListNode<TKey, TValue>? node, PagedVersion<TValue> paged, TValue value)
    {
        lock (_gate)
        {
            if (node is null || !ReferenceEquals(node.Head, paged))
            {
                return false;
            }

            node.ReplaceHead(paged, VersionEntry<TValue>.Create(paged.Timestamp, value, isTombstone: false, 0, null));
            _memory!.OnPagedIn(node);
            paged.Release();
            PageOut(_lastCommit);
            return true;
        }
    }

    private void PageOut(long current)
    {
        AssertLocked();
        // A key the data file does not hold yet (its write is still buffered) stops the round at
        // the oldest end, keeping recency order; the next flush lets it go. A key whose version
        // cannot go (older versions kept for snapshots, a time-to-live) is passed over.
        for (var passed = 0; _memory!.IsOverLimit && passed < 64 && _memory.TakeVictim(current) is { } victim;)
        {
            var head = victim.Head!;
            if (head is PagedVersion<TValue> || head.Older is not null || head.ExpiresAt != 0 || head.IsTombstone)
            {
                _memory.Requeue(victim, oldest: false);
                passed++;
            }
            else if (Pager!(victim.Key, head.Timestamp) is { } paged)
            {
                victim.ReplaceHead(head, paged);
                _memory.OnPagedOut(victim);
                _counters.PagedOut++;
            }
            else
            {
                _memory.Requeue(victim, oldest: true);
                return;
            }
        }
    }

    // Under a memory limit: with a data file, pages values out (above); in memory, evicts least
    // recently used keys, as one commit of tombstones, until live data fits. Snapshots older than
    // that commit still read the values, and the memory returns once they end and vacuum runs.
    private void EvictOverLimit(long horizon)
    {
        AssertLocked();
        if (_memory is not { IsOverLimit: true })
        {
            return;
        }

        if (Pager is not null)
        {
            PageOut(_lastCommit);
            return;
        }

        var current = _lastCommit;
        if (_memory.TakeVictim(current) is not { } victim)
        {
            return;
        }

        var commit = NextCommit(EvictionWriter);
        do
        {
            Install(victim, commit, default!, isTombstone: true, 0, horizon);
            NoteBlindWrite(victim.Key, commit);
            _counters.Evictions++;
        }
        while (_memory.IsOverLimit && (victim = _memory.TakeVictim(current)) is not null);

        Volatile.Write(ref _visible, commit);
        _publishing = 0;
    }

    [Conditional("DEBUG")]
    private void AssertLocked() => Debug.Assert(_gate.IsHeldByCurrentThread, "The commit lock must be held here.");

    // Hands the commit to the log (in commit order: we hold the lock) and makes it visible now
    // unless the log does that once it is durable.
    private ValueTask Publish(long commit, CommitRecord<TKey, TValue>? record)
    {
        AssertLocked();
        _counters.Commits++;
        var durable = record is null ? default : Log!.Append(record);
        if (Log is not { PublishesWhenDurable: true })
        {
            Volatile.Write(ref _visible, commit);
        }

        _publishing = 0;
        return durable;
    }

    // An exception between taking a commit timestamp and handing the commit over (a key comparer,
    // equality or hash that throws) leaves some of its versions installed, invisible only until a
    // later commit moves the watermark past them. Refusing every later commit keeps them invisible;
    // a durable database reopens to the last complete commit. Used as an exception filter: false.
    private bool PoisonIfPublishing(Exception e)
    {
        if (_publishing != 0)
        {
            _halfPublished ??= new InvalidOperationException(
                $"The database no longer accepts commits: commit {_publishing} failed half-way through installing its versions ({e.Message}). " +
                "None of it is visible. Reopen the database; a durable one recovers to the last complete commit.",
                e);
            _publishing = 0;
        }

        return false;
    }

    // A reader may trace a written key after CollectReaders looked and read it before the versions
    // were published, so neither side saw the other. Now that they are published, later reads see
    // them; these late readers get their dependency on tx here, and if tx is a pivot whose Tout
    // committed first, the structure is complete with tx committed, so the reader must abort.
    private void NoteLateReaders(
        TransactionRecord<TKey> tx, VersionedSkipList<TKey, TValue> writes, List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? found, long commit)
    {
        AssertLocked();
        for (var reader = _oldestActive; reader is not null; reader = reader.NewerActive)
        {
            if (ReferenceEquals(reader, tx) || reader.Trace is not { } trace || (found?.Exists(f => ReferenceEquals(f.Reader, reader)) ?? false) ||
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

    private void ThrowIfLogUnavailable()
    {
        ObjectDisposedException.ThrowIf(_logClosed, typeof(FluxDatabase<TKey, TValue>));
        if (_halfPublished is { } halfPublished)
        {
            throw new InvalidOperationException(halfPublished.Message, halfPublished);
        }

        Log?.ThrowIfFailed();
    }

    private static void NoteOutConflict(TransactionRecord<TKey> reader, long commit, object key, long? writerId)
    {
        if (commit < reader.EarliestOutConflict)
        {
            reader.EarliestOutConflict = commit;
            reader.OutConflictKey = key;
            reader.OutConflictTransactionId = writerId;
        }
    }

    private long? WriterIdOf(long commit) => WriterOf(commit) is > 0 and var id ? id : null;

    private static string Describe(long? transactionId) =>
        transactionId is { } id ? $"transaction {id}" : "another transaction";

    private string DescribeWriter(long commit) => WriterOf(commit) switch
    {
        EvictionWriter => "the memory limit, which evicted it,",
        ExpiryWriter => "the time-to-live sweeper, which deleted it,",
        _ => Describe(WriterIdOf(commit)),
    };

    private long? WriterOf(long commit) =>
        _recentWriters[commit & (_recentWriters.Length - 1)] is var (slotCommit, id) && slotCommit == commit ? id : null;

    private void CheckWriteWrite(TransactionRecord<TKey> tx, VersionedSkipList<TKey, TValue> writes)
    {
        AssertLocked();
        for (var node = writes.First; node is not null; node = node.Next(0))
        {
            if (_store.Find(node.Key)?.Head is { } head && head.Timestamp > tx.Snapshot && !SweptWhatItSawExpired(tx, head))
            {
                var writerId = WriterIdOf(head.Timestamp);
                throw new SerializationConflictException(
                    $"Transaction {tx.Id} was aborted: key {KeyFormatter.Format(node.Key)} was changed by {DescribeWriter(head.Timestamp)} " +
                    "that committed after this transaction's snapshot (first committer wins). Retry the transaction.",
                    ConflictReason.WriteWrite,
                    tx.Id,
                    node.Key,
                    writerId)
                {
                    ConflictingCommit = head.Timestamp,
                };
            }
        }
    }

    // The sweeper deleted a value that had expired for tx already: nothing tx saw has changed.
    private bool SweptWhatItSawExpired(TransactionRecord<TKey> tx, VersionEntry<TValue> head) =>
        WriterOf(head.Timestamp) == ExpiryWriter && ChangesNothingFor(tx, head);

    // A delete of a value that had expired for the reader's snapshot: the key was absent for it before and after.
    private static bool ChangesNothingFor(TransactionRecord<TKey> reader, VersionEntry<TValue> version) =>
        version.IsTombstone &&
        version.Older is ExpiringVersion<TValue> expired && expired.Timestamp <= reader.Snapshot && expired.Deadline <= reader.ExpiryClock;

    // Every transaction that read something tx writes and did not see tx: active ones, committed
    // ones that overlapped tx, and the summary of older committed ones. The commit timestamp in
    // each entry is long.MaxValue for an active reader.
    private List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? CollectReaders(TransactionRecord<TKey> tx, VersionedSkipList<TKey, TValue> writes)
    {
        AssertLocked();
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
            for (var node = writes.First; node is not null; node = node.Next(0))
            {
                var commit = _summary.LatestReaderCommit(node.Key);
                if (commit >= tx.Snapshot && commit > 0)
                {
                    (readers ??= []).Add((null, node.Key, commit));
                    break;
                }
            }
        }

        return readers;
    }

    // Whether the reader saw the version of the key that a commit at Commit (long.MaxValue before it
    // has its timestamp) replaces, or one that reads the same to it. When that version was committed
    // after the reader's snapshot and changed what the reader saw, the reader depends on the writer
    // of the first such change, noted when it committed or when the reader met it, and the
    // committing transaction only follows that writer (write-write): no edge from the reader to it.
    // The summary keeps no snapshots and attributes conservatively.
    private static bool SawReplacedVersion((TransactionManager<TKey, TValue> Manager, TransactionRecord<TKey> Reader, long Commit) state, TKey key)
    {
        for (var version = state.Manager._store.Find(key)?.Head; version is not null; version = version.Older)
        {
            if (version.Timestamp < state.Commit)
            {
                return version.Timestamp <= state.Reader.Snapshot || ChangesNothingFor(state.Reader, version);
            }
        }

        return true;
    }

    // tx as the pivot: it has a read-write dependency out to a transaction that committed first,
    // and one in from a reader. Returns the active read-only readers to abort instead of tx.
    private static List<(TransactionRecord<TKey> Victim, TKey Key)>? CheckPivot(
        TransactionRecord<TKey> tx, List<(TransactionRecord<TKey>? Reader, TKey Key, long Commit)>? readers)
    {
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

    private TransactionRecord<TKey>? FindRetainedWriter(long commitTimestamp)
    {
        AssertLocked();
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

    // Read-write transactions a snapshot at `snapshot` is concurrent with: the active ones, and
    // committed ones it does not see yet.
    private List<TransactionRecord<TKey>>? ConcurrentWriters(long snapshot)
    {
        AssertLocked();
        List<TransactionRecord<TKey>>? writers = null;
        for (var record = _oldestActive; record is not null; record = record.NewerActive)
        {
            if (!record.ReadOnly)
            {
                (writers ??= []).Add(record);
            }
        }

        for (var i = _retained.Count - 1; i >= 0 && _retained[i].CommitTimestamp > snapshot; i--)
        {
            if (_retained[i].Wrote)
            {
                (writers ??= []).Add(_retained[i]);
            }
        }

        return writers;
    }

    private void Link(TransactionRecord<TKey> record)
    {
        AssertLocked();
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
        _activeCount++;
        if (!record.ReadOnly)
        {
            _activeReadWrite++;
        }
    }

    private void Unlink(TransactionRecord<TKey> record)
    {
        AssertLocked();
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
        _activeCount--;
        if (!record.ReadOnly)
        {
            _activeReadWrite--;
        }
    }

    private void Retire(TransactionRecord<TKey> record, RecordStatus status)
    {
        AssertLocked();
        Unlink(record);
        record.Status = status;
        record.PendingWriters = null;
        if (status == RecordStatus.Committed && record.Trace is { IsEmpty: false })
        {
            _retained.Add(record);
        }
        else
        {
            record.Trace = null;
        }

        record.SignalEnded();
        Prune();
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

    // Drops what no running or future transaction can conflict with, and summarizes the oldest
    // committed transactions when too many are retained.
    private void Prune()
    {
        AssertLocked();
        var horizon = Horizon;
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
                _retained[i].Trace = null;
            }

            _retained.RemoveRange(0, drop);
        }

        if (!_summary.IsEmpty && _summary.MaxCommit < horizon)
        {
            _summary.Clear();
        }
    }
}

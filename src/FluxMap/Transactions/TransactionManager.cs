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
/// there; reads never take this lock unless they find a version newer than their snapshot. The
/// SSI bookkeeping itself (active list, retained commits, dangerous structures) is
/// <see cref="SsiTracker{TKey}"/>'s, run under this lock.
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
    private readonly Lock _gate = new();
    private readonly VersionedSkipList<TKey, TValue> _store;
    private readonly KeyOrdering<TKey> _keys;
    private readonly SsiTracker<TKey> _ssi;
    private readonly EngineCounters _counters;
    private readonly MemoryLimiter<TKey, TValue>? _memory;
    private readonly TimeProvider _clock;
    private readonly WalCodec<TKey, TValue>? _codec;

    private readonly ExpiryQueue<TKey, TValue> _expiring = new();

    // In Full durability with time-to-lives in use: the wall-clock time of each commit not yet
    // visible, oldest first (see ExpiryClockFor).
    private readonly Queue<(long Commit, long Time)> _pendingTimes = new();

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
        _counters = counters;
        _memory = memory;
        _ssi = new SsiTracker<TKey>(_gate, keys, maxRetained, SawReplacedVersion);
    }

    /// <summary>
    /// Where commits are logged, set once at open before the first commit; null in memory. When it
    /// publishes only durable commits, the visible watermark moves in <see cref="AdvanceVisible"/>.
    /// </summary>
    internal ICommitLog<TKey, TValue>? Log { get; set; }

    /// <summary>The newest commit a new snapshot sees; readers outside transactions read it with Volatile.Read.</summary>
    internal ref long VisibleTimestampRef => ref _visible;

    internal int ActiveCount => _ssi.ActiveCount;

    /// <summary>The commit lock: vacuum takes it for each bounded slice of its work.</summary>
    internal Lock Gate => _gate;

    /// <summary>
    /// The oldest snapshot any transaction holds or can still take (under <see cref="Gate"/>). The
    /// active list is in snapshot order: begins append the current watermark, a deferrable
    /// re-snapshot moves its record to the end.
    /// </summary>
    internal long Horizon => Math.Min(_ssi.OldestSnapshot, _visible);

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
                return _ssi.RetainedCount;
            }
        }
    }

    internal int SummaryEntries
    {
        get
        {
            lock (_gate)
            {
                return _ssi.SummaryEntries;
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
            var safe = readOnly && _ssi.ActiveReadWrite == 0 && _lastCommit == snapshot;
            var record = new TransactionRecord<TKey>(++_lastId, snapshot, readOnly, safe || deferrable ? null : new ReadTrace<TKey>(_keys));
            record.ExpiryClock = ExpiryClockFor(snapshot);
            if (deferrable && !safe)
            {
                record.PendingWriters = _ssi.ConcurrentWriters(snapshot);
            }

            _ssi.Link(record);
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
                        _ssi.Unlink(record);
                        record.Snapshot = _visible;
                        record.ExpiryClock = ExpiryClockFor(record.Snapshot);
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

                _ssi.NoteStaleRead(reader, node.Key, version.Timestamp);
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
                var readers = _ssi.CollectReaders(tx, writes);
                var readOnlyVictims = _ssi.CheckPivot(tx, readers);

                var commit = NextCommit(tx.Id, now);
                var horizon = Horizon;
                InstallWrites(writes, commit, horizon);

                _ssi.NoteInstalled(tx, writes, readers, readOnlyVictims, commit);
                tx.CommitTimestamp = commit;
                tx.Wrote = true;
                tx.OutConflictAtCommit = tx.EarliestOutConflict;
                var durable = Publish(
                    commit, payload is null || Log is null ? null : CommitRecord<TKey, TValue>.ForTransaction(commit, payload, writes, tx.OutConflictAtCommit));
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
        _ssi.NoteBlindWrite(node.Key, commit);
        var acknowledged = Publish(commit, payload is null ? null : CommitRecord<TKey, TValue>.ForSingle(commit, payload, node.Key));
        EvictOverLimit(horizon);
        _ssi.Prune(_visible);
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
                commit = NextCommit(SsiTracker<TKey>.ExpiryWriter, now);
            }

            var deadline = expired.Head!.ExpiresAt;
            Install(expired, commit, default!, isTombstone: true, 0, horizon);
            _ssi.NoteBlindWrite(expired.Key, commit, deadline);
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
            _ssi.Prune(_visible);
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
        return _ssi.Prune(_visible);
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

    // A transaction's workspace into the store at one commit timestamp; a delete of a key that holds no value installs nothing.
    private void InstallWrites(VersionedSkipList<TKey, TValue> writes, long commit, long horizon)
    {
        AssertLocked();
        for (var node = writes.First; node is not null; node = node.Next(0))
        {
            var pending = node.Head!;
            var target = pending.IsTombstone ? _store.Find(node.Key) : _store.GetOrAdd(node.Key);
            if (target is not null && !(pending.IsTombstone && target.Head is null or { IsTombstone: true }))
            {
                Install(target, commit, pending.Value, pending.IsTombstone, pending.ExpiresAt, horizon);
            }
        }
    }

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
        _ssi.NoteWriter(commit, writerId);
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

        var commit = NextCommit(SsiTracker<TKey>.EvictionWriter);
        do
        {
            Install(victim, commit, default!, isTombstone: true, 0, horizon);
            _ssi.NoteBlindWrite(victim.Key, commit);
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

    private void ThrowIfLogUnavailable()
    {
        Disposed.ThrowIf(_logClosed, typeof(FluxDatabase<TKey, TValue>));
        if (_halfPublished is { } halfPublished)
        {
            throw new InvalidOperationException(halfPublished.Message, halfPublished);
        }

        Log?.ThrowIfFailed();
    }

    private void CheckWriteWrite(TransactionRecord<TKey> tx, VersionedSkipList<TKey, TValue> writes)
    {
        AssertLocked();
        for (var node = writes.First; node is not null; node = node.Next(0))
        {
            if (_store.Find(node.Key)?.Head is { } head && head.Timestamp > tx.Snapshot && !SweptWhatItSawExpired(tx, head))
            {
                var writerId = _ssi.WriterIdOf(head.Timestamp);
                throw new SerializationConflictException(
                    $"Transaction {tx.Id} was aborted: key {KeyFormatter.Format(node.Key)} was changed by {_ssi.DescribeWriter(head.Timestamp)} " +
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

    private void Retire(TransactionRecord<TKey> record, RecordStatus status) => _ssi.Retire(record, status, _visible);
}

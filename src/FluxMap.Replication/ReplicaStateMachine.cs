using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using FluxMap.Durability;
using FluxMap.Storage;

namespace FluxMap.Replication;

/// <summary>
/// Applies the Raft log to the member's database, in log order, one entry at a time. The
/// leader's own entries carry their commits as context: those are installed already and are
/// only handed to the data file, published and acknowledged. Every other entry is decoded and
/// installed at the leader's timestamps without validation. A follower shows commits up to its
/// safe point (<see cref="SafeSnapshotTracker"/>), the leader up to the newest one applied.
/// Snapshots: every <see cref="ReplicationOptions.SnapshotInterval"/> entries, a background
/// pass writes every live key at the member's visible commit to a file that stands for the log
/// up to the newest entry it covers, after a checkpoint made the data file cover it too; the
/// Raft log is then compacted behind it.
/// </summary>
internal sealed class ReplicaStateMachine<TKey, TValue> : IStateMachine, IDisposable
    where TKey : notnull
{
    private const int SnapshotChunk = 512;

    private readonly EngineHost<TKey, TValue> _host;
    private readonly string _directory;
    private readonly int _interval;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SafeSnapshotTracker _tracker = new();
    private readonly Lock _entriesGate = new();
    private readonly List<(long Index, long Term, long Commit, long Safe)> _entries = [];
    private volatile SnapshotFile? _snapshot;
    private Task _snapshotting = Task.CompletedTask;
    private Task _rebuilding = Task.CompletedTask;
    private Task _refreshing = Task.CompletedTask;
    private int _refreshWanted;
    private SnapshotFile? _unbuilt;
    private bool _live;
    private long _applied;
    private long _appliedIndex;
    private long _appliedTerm;

    internal ReplicaStateMachine(EngineHost<TKey, TValue> host, string directory, int interval)
    {
        _host = host;
        _directory = directory;
        _interval = interval;
        Directory.CreateDirectory(directory);
        foreach (var partial in Directory.EnumerateFiles(directory, "*.partial"))
        {
            File.Delete(partial);
        }

        _snapshot = SnapshotFile.Newest(directory, Transferred);
        if (_snapshot is { } snapshot)
        {
            // Replayed at open only when the data file is older than it (a snapshot installed into an empty member).
            host.Source.ReplaceWith(snapshot);
            _applied = snapshot.Commit;
            _tracker.Reset(snapshot.Commit, snapshot.Safe);
        }
    }

    /// <summary>Gets the newest commit applied.</summary>
    internal long Applied => Volatile.Read(ref _applied);

    /// <summary>Gets the index of the newest Raft log entry applied.</summary>
    internal long AppliedIndex => Volatile.Read(ref _appliedIndex);

    /// <summary>Gets the term of the last entry applied (or of the snapshot installed).</summary>
    internal long AppliedTerm => Volatile.Read(ref _appliedTerm);

    /// <summary>Gets the newest commit a follower may show.</summary>
    internal long Safe { get; private set; }

    public ISnapshot? Snapshot => _snapshot;

    /// <summary>Gets how many snapshots other members sent this one (catch-up by snapshot).</summary>
    internal int SnapshotsInstalled { get; private set; }

    /// <summary>The entries replayed at start went to the commit log's memory; from now on they go to the open database.</summary>
    internal async ValueTask GoLiveAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _live = true;
            Volatile.Write(ref _applied, Math.Max(_applied, _host.Database.Engine.Clock.LastCommit));
            Publish();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Becomes the leader: every entry of earlier terms is applied (the caller waited for the
    /// write barrier), so the database is rebuilt if it holds commits of its own that never
    /// committed, every applied commit becomes visible, and the session takes commits.
    /// </summary>
    internal async ValueTask<Task> LeadAsync(long term, Func<CommitBatch<TKey, TValue>, byte[], CancellationToken, ValueTask> replicate, int maxPerEntry, CancellationToken leadership)
    {
        await _gate.WaitAsync(leadership).ConfigureAwait(false);
        try
        {
            await RebuildAsync(leadership).ConfigureAwait(false);
            if (_host.Database.Engine.Clock.LastCommit > _applied)
            {
                await _host.ReopenAsync(wipe: false, leadership).ConfigureAwait(false);
            }

            var loop = _host.Session.LeadAsync(term, _applied, replicate, maxPerEntry, leadership);
            Publish();
            return loop;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<long> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (entry.IsSnapshot)
        {
            return await InstallAsync(entry, token).ConfigureAwait(false);
        }

        await _gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await RebuildAsync(token).ConfigureAwait(false);
            if (_live)
            {
                await ApplyLiveAsync(entry, token).ConfigureAwait(false);
            }
            else
            {
                Collect(entry);
            }

            // The safe point as of this entry goes into a snapshot that covers it: the entries themselves are then compacted away.
            var safe = _tracker.Advance();
            lock (_entriesGate)
            {
                _entries.Add((entry.Index, entry.Term, _applied, safe));
            }

            Volatile.Write(ref _appliedTerm, entry.Term);
            Volatile.Write(ref _appliedIndex, entry.Index);
            if (_live)
            {
                Publish();
                StartSnapshotWhenDue(entry.Index, _interval);
            }
        }
        finally
        {
            _gate.Release();
        }

        return entry.Index;
    }

    public ValueTask ReclaimGarbageAsync(long watermark, CancellationToken token)
    {
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + SnapshotFile.Extension))
        {
            if (SnapshotFile.Open(path).Index < watermark)
            {
                File.Delete(path);
            }
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Waits for a snapshot being written or installed, so the database can close under nobody; the member no longer takes entries.</summary>
    internal async Task StopAsync()
    {
        await _refreshing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _rebuilding.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _snapshotting.ConfigureAwait(false);
    }

    // At start, before the database opens: the commits after the snapshot go to the commit log's
    // memory, from which the open replays those the data file does not hold.
    private void Collect(LogEntry entry)
    {
        if (!entry.TryGetPayload(out var payload) || payload.IsEmpty)
        {
            return;
        }

        var (horizon, commits) = EntryCodec.Decode(payload);
        foreach (var commit in commits)
        {
            _host.Source.Keep(commit.Timestamp, commit.Payload);
            _tracker.NoteCommit(commit.Timestamp, commit.OutConflict);
            _applied = Math.Max(_applied, commit.Timestamp);
        }

        _tracker.NoteHorizon(horizon);
    }

    private async ValueTask ApplyLiveAsync(LogEntry entry, CancellationToken cancellationToken)
    {
        // Batches of earlier terms that no entry settled can no longer commit (this entry's own is settled below).
        _host.Source.FailBefore(entry.Term);
        var session = _host.Session;
        var batch = entry.Context as CommitBatch<TKey, TValue>;
        if (batch is not null)
        {
            if (batch.Term == entry.Term && ReferenceEquals(batch.Session, session))
            {
                foreach (var record in batch.Records)
                {
                    session.Apply(record);
                    _tracker.NoteCommit(record.Timestamp, record.OutConflict);
                    Volatile.Write(ref _applied, record.Timestamp);
                }

                _tracker.NoteHorizon(batch.Horizon);
                Publish();
                batch.Acknowledge();
                return;
            }

            if (batch.Term != entry.Term)
            {
                // Another leader's entry took this index: these commits are in no log that can commit.
                batch.Fail(NotLeader.Conflict("a new leader replaced the log entry that held it."));
                batch = null;
            }
        }

        if (!entry.TryGetPayload(out var payload) || payload.IsEmpty)
        {
            return;
        }

        var (horizon, commits) = EntryCodec.Decode(payload);
        foreach (var commit in commits)
        {
            if (commit.Timestamp <= _applied)
            {
                continue;
            }

            if (_host.Database.Engine.Clock.LastCommit > _applied)
            {
                // This member installed commits of its own that never committed; they hold these timestamps.
                await _host.ReopenAsync(wipe: false, cancellationToken).ConfigureAwait(false);
            }

            Install(commit);
        }

        _tracker.NoteHorizon(horizon);
        Publish();

        // Its own entry, committed after this member stopped leading or rebuilt its database.
        batch?.Acknowledge();
    }

    private void Install(ReplicatedCommit commit)
    {
        var engine = _host.Database.Engine;
        var writes = new WriteSet<TKey, TValue>(engine.Keys.Comparer);
        _host.Source.Codec.ReadPayload(commit.Payload, commit.Timestamp, (_, key, value, isDelete, expiresAt) => writes.Put(key, value, isDelete, expiresAt));
        engine.Transactions.InstallReplicated(commit.Timestamp, writes);
        _host.Session.Apply(CommitRecord<TKey, TValue>.ForTransaction(commit.Timestamp, commit.Payload, writes, commit.OutConflict));
        _tracker.NoteCommit(commit.Timestamp, commit.OutConflict);
        Volatile.Write(ref _applied, commit.Timestamp);
    }

    // The leader shows every applied commit (its own SSI guards its readers); a follower its safe point.
    private void Publish()
    {
        Safe = _tracker.Advance();
        var session = _host.Session;
        var target = session.IsLeading ? _applied : Safe;
        if (target > Volatile.Read(ref _host.Database.Engine.Clock.VisibleRef))
        {
            session.Publish(target);
        }

        _host.Changed.Pulse();
    }

    // DotNext's leader waits for the answer to a snapshot only RequestTimeout long, and once this
    // member committed the snapshot's index it refuses that snapshot again: an answer lost to the
    // timeout would leave the leader resending it forever. So the install only keeps the file;
    // the database is rebuilt on it after the answer, under the gate, before any later entry.
    private async ValueTask<long> InstallAsync(LogEntry entry, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _snapshotting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var path = SnapshotFile.NameFor(_directory, entry.Index, entry.Term);
            var partial = path + ".partial";
            var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await entry.WriteToAsync(IAsyncBinaryWriter.Create(stream, new byte[1 << 16]), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(partial, path, overwrite: true);
            _unbuilt = _snapshot = SnapshotFile.Open(path, Transferred);
            SnapshotsInstalled++;

            // A rebuild still waiting for the gate takes this newer snapshot.
            if (_rebuilding.IsCompleted)
            {
                _rebuilding = Task.Run(RebuildInBackgroundAsync, CancellationToken.None);
            }

            return entry.Index;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RebuildInBackgroundAsync()
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await RebuildAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Replaces the database with the snapshot installed last, unless done already; the caller holds the gate.
    // A failure leaves it to be done again by whichever gated operation comes next.
    private async ValueTask RebuildAsync(CancellationToken cancellationToken)
    {
        if (_unbuilt is not { } snapshot)
        {
            return;
        }

        _host.Source.ReplaceWith(snapshot);
        await _host.ReopenAsync(wipe: true, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _applied, snapshot.Commit);
        _tracker.Reset(snapshot.Commit, snapshot.Safe);
        lock (_entriesGate)
        {
            _entries.Clear();
            _entries.Add((snapshot.Index, snapshot.Term, snapshot.Commit, snapshot.Safe));
        }

        Volatile.Write(ref _appliedTerm, snapshot.Term);
        Volatile.Write(ref _appliedIndex, snapshot.Index);

        // The data file holds the snapshot from now on, so a restart no longer needs to load it.
        await _host.Database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        _unbuilt = null;
        Publish();
    }

    // The caller holds the gate.
    private void StartSnapshotWhenDue(long index, long due)
    {
        if (index - (_snapshot?.Index ?? 0) >= due && _snapshotting.IsCompleted)
        {
            _snapshotting = Task.Run(WriteSnapshotAsync);
        }
    }

    // The leader sent this snapshot once more. The member it went to may hold it already, its
    // answer lost to the timeout, and then refuses it again and again: only a newer snapshot, at
    // an index that member has not committed, ends that. So one is taken if any entry is newer.
    private void Transferred(SnapshotFile snapshot)
    {
        if (Interlocked.Exchange(ref _refreshWanted, 1) == 0)
        {
            _refreshing = Task.Run(() => RefreshSnapshotAsync(snapshot), CancellationToken.None);
        }
    }

    private async Task RefreshSnapshotAsync(SnapshotFile sent)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_live && ReferenceEquals(_snapshot, sent))
            {
                StartSnapshotWhenDue(AppliedIndex, due: 1);
            }
        }
        finally
        {
            _gate.Release();
            Volatile.Write(ref _refreshWanted, 0);
        }
    }

    private async Task WriteSnapshotAsync()
    {
        FluxDatabase<TKey, TValue> database;
        try
        {
            database = _host.Database;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        var engine = database.Engine;
        var reader = engine.Transactions.Begin(readOnly: true, deferrable: false);
        try
        {
            var commit = reader.Snapshot;
            (long Index, long Term, long Commit, long Safe) covered;
            lock (_entriesGate)
            {
                covered = _entries.LastOrDefault(e => e.Commit <= commit);
            }

            if (covered.Index <= (_snapshot?.Index ?? 0))
            {
                return;
            }

            var path = SnapshotFile.NameFor(_directory, covered.Index, covered.Term);
            var partial = path + ".partial";
            var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                SnapshotFile.WriteHeader(stream, commit, covered.Safe);
                var chunk = new WriteSet<TKey, TValue>(engine.Keys.Comparer);
                for (var node = engine.Store.First; node is not null; node = node.Next(0))
                {
                    var version = VersionAt(node, commit);
                    if (version is null || version.IsTombstone)
                    {
                        continue;
                    }

                    var (found, value) = await engine.ValueOfAsync(version, (Node: node, Commit: commit), static s => VersionAt(s.Node, s.Commit), CancellationToken.None)
                        .ConfigureAwait(false);
                    if (found is null || found.IsTombstone)
                    {
                        continue;
                    }

                    chunk.Put(node.Key, value, isTombstone: false, found.ExpiresAt);
                    if (chunk.Count >= SnapshotChunk)
                    {
                        SnapshotFile.WriteChunk(stream, _host.Source.Codec.EncodeCommit(chunk));
                        chunk.Clear();
                    }
                }

                if (chunk.Count > 0)
                {
                    SnapshotFile.WriteChunk(stream, _host.Source.Codec.EncodeCommit(chunk));
                }

                stream.Flush(flushToDisk: true);
            }

            // The log is compacted behind the snapshot only once the data file covers it too: a restart opens from the data file.
            await database.CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
            File.Move(partial, path, overwrite: true);
            _snapshot = SnapshotFile.Open(path, Transferred);
            lock (_entriesGate)
            {
                _entries.RemoveAll(e => e.Index < covered.Index);
            }
        }
        catch (ObjectDisposedException)
        {
            // The database was replaced meanwhile; the next entries start another snapshot.
        }
        finally
        {
            engine.Transactions.Abort(reader);
        }
    }

    private static VersionEntry<TValue>? VersionAt(SkipListNode<TKey, TValue> node, long commit)
    {
        var version = node.Head;
        while (version is not null && version.Timestamp > commit)
        {
            version = version.Older;
        }

        return version;
    }
}

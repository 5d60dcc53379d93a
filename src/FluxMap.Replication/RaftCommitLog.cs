using FluxMap.Durability;
using FluxMap.Serialization;

namespace FluxMap.Replication;

/// <summary>
/// The Raft log as the database's commit log. What open replays comes from memory: the commits
/// applied since the data file's last checkpoint (collected from the Raft log at start, then
/// kept as they are applied), and, after a snapshot was installed into an empty member, the
/// snapshot file. The local write-ahead log is never written: the Raft log is the only log.
/// </summary>
internal sealed class RaftCommitLog<TKey, TValue>(WalCodec<TKey, TValue> codec, Func<long> horizon) : ICommitLogSource<TKey, TValue>
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly List<(long Timestamp, byte[] Payload)> _tail = [];
    private readonly List<CommitBatch<TKey, TValue>> _sent = [];

    // Batches in flight when a snapshot replaced the state: the snapshot may hold them or not.
    private readonly List<CommitBatch<TKey, TValue>> _unsure = [];
    private SnapshotFile? _snapshot;

    internal RaftLogSession<TKey, TValue>? Session { get; private set; }

    internal WalCodec<TKey, TValue> Codec => codec;

    /// <summary>Keeps a commit applied from the Raft log until a checkpoint covers it.</summary>
    internal void Keep(long timestamp, byte[] payload)
    {
        lock (_gate)
        {
            _tail.Add((timestamp, payload));
        }
    }

    /// <summary>Notes a batch sent to the Raft log: the apply of its entry settles it, on whichever open database the member runs then.</summary>
    internal void Sent(CommitBatch<TKey, TValue> batch)
    {
        lock (_gate)
        {
            _sent.RemoveAll(b => b.IsSettled);
            _sent.Add(batch);
        }
    }

    /// <summary>
    /// An entry of <paramref name="term"/> committed. A batch sent in an earlier term and still
    /// unsettled never reached the log (leadership ended before the append), or sits past this
    /// entry, where no leader's log can keep it (terms never decrease along a committed log): had
    /// it been at or before this entry, the apply of its own index would have settled it. Its
    /// commits certainly failed.
    /// </summary>
    internal void FailBefore(long term)
    {
        List<CommitBatch<TKey, TValue>> lost;
        lock (_gate)
        {
            lost = _sent.FindAll(b => b.Term < term);
            _sent.RemoveAll(b => b.Term < term);
        }

        var failure = NotLeader.Conflict("this member stopped leading before the Raft log kept it.");
        foreach (var batch in lost)
        {
            batch.Fail(failure);
        }
    }

    /// <summary>
    /// The member closed: no apply will settle the batches still in flight, whose entries may or
    /// may not commit. Their commits fail as not acknowledged (never as conflicts: running them
    /// again could apply them twice).
    /// </summary>
    internal void Abandon()
    {
        List<CommitBatch<TKey, TValue>> sent;
        lock (_gate)
        {
            sent = [.. _sent, .. _unsure];
            _sent.Clear();
            _unsure.Clear();
        }

        var failure = new ObjectDisposedException(
            nameof(ReplicatedFluxDatabase<,>), "The member closed before it learned whether the Raft log kept the commit: it may be committed or not.");
        foreach (var batch in sent)
        {
            batch.Fail(failure);
        }
    }

    /// <summary>Replaces all state with <paramref name="snapshot"/>: the next open loads it into an empty data directory.</summary>
    internal void ReplaceWith(SnapshotFile snapshot)
    {
        lock (_gate)
        {
            _tail.Clear();
            _snapshot = snapshot;
            _unsure.AddRange(_sent);
            _sent.Clear();
        }
    }

    /// <summary>Drops what the data file's checkpoint at <paramref name="checkpoint"/> covers.</summary>
    internal void Release(long checkpoint)
    {
        lock (_gate)
        {
            _tail.RemoveAll(c => c.Timestamp <= checkpoint);
            if (_snapshot is { } snapshot && snapshot.Commit <= checkpoint)
            {
                _snapshot = null;
            }
        }
    }

    public void CheckFiles()
    {
    }

    public long Recover(long afterLsn, ReplayWrite<TKey, TValue> apply, CancellationToken cancellationToken)
    {
        var last = afterLsn;
        lock (_gate)
        {
            if (_snapshot is { } snapshot && snapshot.Commit > afterLsn)
            {
                foreach (var chunk in snapshot.ReadChunks())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    codec.ReadPayload(chunk, snapshot.Commit, apply);
                }

                last = snapshot.Commit;
            }

            foreach (var (timestamp, payload) in _tail)
            {
                if (timestamp > last)
                {
                    codec.ReadPayload(payload, timestamp, apply);
                    last = timestamp;
                }
            }
        }

        return last;
    }

    public ICommitLog<TKey, TValue> Start(long lastLsn, Action<long> publishDurable, ICommitSubscriber<TKey, TValue>? subscriber)
    {
        Session = new RaftLogSession<TKey, TValue>(this, lastLsn, publishDurable, subscriber, horizon);
        return Session;
    }
}

using System.Diagnostics;
using FluxMap.Durability;

namespace FluxMap.Replication;

/// <summary>
/// One open engine's commit log on a replicated member. While the member leads, commits queue
/// here from the commit step, in timestamp order, and one loop sends them to the Raft log many
/// per entry (group commit: while one entry replicates, the next fills); the entry's apply on
/// the leader publishes and acknowledges them. Anywhere else a commit is refused with a
/// transient conflict, so a transaction caught by a change of leader retries.
/// </summary>
internal sealed class RaftLogSession<TKey, TValue> : ICommitLog<TKey, TValue>
    where TKey : notnull
{
    // How long a moved horizon waits for a commit to carry it before it is sent alone: followers
    // of an idle leader show its last commits this much later.
    private static readonly TimeSpan HorizonDelay = TimeSpan.FromMilliseconds(10);

    private readonly Lock _gate = new();
    private readonly RaftCommitLog<TKey, TValue> _source;
    private readonly Action<long> _publishDurable;
    private readonly Func<long> _horizon;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private List<CommitRecord<TKey, TValue>> _queue = [];
    private long _queuedHorizon;
    private CommitRecord<TKey, TValue>? _last;
    private long _term;
    private long _leadingSince;
    private bool _leading;
    private bool _closed;
    private long _durable;

    internal RaftLogSession(RaftCommitLog<TKey, TValue> source, long lastLsn, Action<long> publishDurable, ICommitSubscriber<TKey, TValue>? subscriber, Func<long> horizon)
    {
        _source = source;
        _durable = lastLsn;
        _publishDurable = publishDurable;
        _horizon = horizon;
        Subscriber = subscriber;
    }

    internal ICommitSubscriber<TKey, TValue>? Subscriber { get; }

    /// <summary>Gets a value indicating whether this member leads and takes commits.</summary>
    internal bool IsLeading
    {
        get
        {
            lock (_gate)
            {
                return _leading;
            }
        }
    }

    /// <summary>
    /// Whether a transaction with <paramref name="snapshot"/> may commit here: this member leads,
    /// and every commit after the snapshot went through this member's own validation. Commits a
    /// follower installed were not checked against its transactions' reads; a transaction begun
    /// before this term, on a snapshot older than them, has the leader validate it instead.
    /// </summary>
    internal bool MayCommitLocally(long snapshot)
    {
        lock (_gate)
        {
            return _leading && snapshot >= _leadingSince;
        }
    }

    public bool PublishesWhenDurable => true;

    public long DurableTimestamp => Volatile.Read(ref _durable);

    public long DiskBytes => 0;

    public int SegmentCount => 1;

    /// <summary>Gets a completed task: the replicated log keeps no segments on disk to bound.</summary>
    public Task Room => Task.CompletedTask;

    public bool TakesCommits => IsLeading;

    public FluxMapIOException? Failure => null;

    public void ThrowIfFailed()
    {
        lock (_gate)
        {
            if (!_leading)
            {
                throw NotLeader.Conflict(_closed ? "this member is closing or replacing its state." : "this member is not the leader of the cluster.");
            }
        }
    }

    public ValueTask Append(CommitRecord<TKey, TValue> record)
    {
        record.Durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!_leading)
            {
                // Taken under the commit lock after ThrowIfFailed passed: leadership ended in between.
                record.Durable.SetException(NotLeader.Conflict("this member lost the leadership while committing."));
                return new ValueTask(record.Durable.Task);
            }

            _queue.Add(record);
            _last = record;

            // Called under the commit lock: every transaction running now, and every one that starts
            // later, has a snapshot at or above this.
            _queuedHorizon = _horizon();
        }

        Wake();
        return new ValueTask(record.Durable.Task);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Task? last;
        lock (_gate)
        {
            // A member that does not lead has nothing of its own to wait for: what it applied is handed over already.
            last = _leading ? _last?.Durable!.Task : null;
        }

        if (last is not null)
        {
            await last.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public Task ReleaseThroughAsync(long checkpointLsn, CancellationToken cancellationToken)
    {
        _source.Release(checkpointLsn);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        StopLeading(closing: true);
        _wake.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Starts taking commits for <paramref name="term"/>, with every commit up to <paramref name="installed"/> installed from the log; the loop runs until leadership ends.</summary>
    internal Task LeadAsync(long term, long installed, Func<CommitBatch<TKey, TValue>, byte[], CancellationToken, ValueTask> replicate, int maxPerEntry, CancellationToken leadership)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return Task.CompletedTask;
            }

            (_term, _leadingSince, _leading) = (term, installed, true);
        }

        return Task.Run(() => ReplicateLoopAsync(replicate, maxPerEntry, leadership), CancellationToken.None);
    }

    /// <summary>Leadership ended: later commits are refused, queued ones fail (they never reached the log).</summary>
    internal void StopLeading(bool closing = false)
    {
        List<CommitRecord<TKey, TValue>> unsent;
        lock (_gate)
        {
            _leading = false;
            _closed |= closing;
            unsent = _queue;
            _queue = [];
        }

        var failure = NotLeader.Conflict("this member lost the leadership before the commit reached the Raft log.");
        foreach (var record in unsent)
        {
            record.Durable!.TrySetException(failure);
        }
    }

    /// <summary>Hands applied commits to the data file and publishes them; the leader's own apply path.</summary>
    internal void Apply(CommitRecord<TKey, TValue> record)
    {
        Subscriber?.Accept(record);
        _source.Keep(record.Timestamp, record.Payload);
        Volatile.Write(ref _durable, record.Timestamp);
    }

    /// <summary>Makes commits up to <paramref name="commit"/> visible.</summary>
    internal void Publish(long commit) => _publishDurable(commit);

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already woken: the loop takes everything queued.
        }
    }

    // A wake may be left from commits an earlier entry took already: wait for one queued now.
    private async ValueTask WaitForCommitsAsync(TimeSpan atMost, CancellationToken leadership)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            lock (_gate)
            {
                if (_queue.Count > 0)
                {
                    return;
                }
            }

            var left = atMost - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || !await _wake.WaitAsync(left, leadership).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    // One entry in flight: while it replicates, commits queue for the next (group commit). When
    // the queue is empty the loop still sends the horizon once it moved, so replicas can show
    // the last commits; an idle cluster sends nothing.
    private async Task ReplicateLoopAsync(Func<CommitBatch<TKey, TValue>, byte[], CancellationToken, ValueTask> replicate, int maxPerEntry, CancellationToken leadership)
    {
        var sentHorizon = -1L;
        var horizonWaited = false;
        try
        {
            while (true)
            {
                CommitBatch<TKey, TValue> batch;
                lock (_gate)
                {
                    if (!_leading)
                    {
                        return;
                    }

                    var take = _queue.Count <= maxPerEntry ? _queue : _queue[..maxPerEntry];
                    // A part of the queue goes with the horizon sent last: the horizon never moves back, so an older one is only more careful.
                    var horizon = take.Count == _queue.Count ? _queuedHorizon : Math.Max(sentHorizon, 0);
                    if (take.Count == 0)
                    {
                        horizon = Math.Max(_queuedHorizon, _horizon());
                    }

                    if (ReferenceEquals(take, _queue))
                    {
                        _queue = [];
                    }
                    else
                    {
                        _queue.RemoveRange(0, take.Count);
                    }

                    batch = new CommitBatch<TKey, TValue>(this, _term, take, horizon);
                }

                if (batch.Records.Count == 0 && batch.Horizon <= sentHorizon)
                {
                    await _wake.WaitAsync(TimeSpan.FromMilliseconds(50), leadership).ConfigureAwait(false);
                    continue;
                }

                if (batch.Records.Count == 0 && !horizonWaited)
                {
                    // Only the horizon moved. A writer's next commit usually comes within moments and
                    // carries it: an entry of its own would take a round trip ahead of that commit.
                    horizonWaited = true;
                    await WaitForCommitsAsync(HorizonDelay, leadership).ConfigureAwait(false);
                    continue;
                }

                horizonWaited = false;

                var entry = EntryCodec.Encode(batch.Horizon, [.. batch.Records.Select(r => new ReplicatedCommit(r.Timestamp, r.OutConflict, r.Payload))]);
                _source.Sent(batch);
                await replicate(batch, entry, leadership).ConfigureAwait(false);
                sentHorizon = batch.Horizon;
            }
        }
        catch (OperationCanceledException) when (leadership.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is DotNext.Net.Cluster.Consensus.Raft.NotLeaderException or ObjectDisposedException)
        {
        }
        finally
        {
            StopLeading();
        }
    }
}

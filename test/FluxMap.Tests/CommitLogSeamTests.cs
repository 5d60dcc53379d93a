using FluxMap.Durability;
using FluxMap.Serialization;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// The engine runs on any <see cref="ICommitLog{TKey, TValue}"/>: here a log kept in memory whose
/// durability the test decides drives commits, visibility, the data file's write-behind,
/// checkpoints and a restart after a crash, with no write-ahead log file at all. This is the seam a
/// replicated log fills.
/// </summary>
public sealed class CommitLogSeamTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private FluxMapOptions Options() => new()
    {
        Durability = DurabilityMode.Full,
        DataDirectory = _dir.Path,
        RetryBaseDelay = TimeSpan.Zero,
        WriteBehindInterval = TimeSpan.FromHours(1),
        CheckpointInterval = TimeSpan.FromHours(1),
    };

    private Task<FluxDatabase<string, int>> OpenAsync(FaultyStorage storage, MemoryLog log) =>
        FluxDatabase.CreateBuilder<string, int>().WithOptions(Options()).WithStorage(storage).WithCommitLog(log).OpenAsync(Ct).AsTask();

    [Fact]
    public async Task A_log_kept_in_memory_drives_commits_checkpoints_and_a_restart_with_the_data_file()
    {
        var storage = new FaultyStorage();
        var log = new MemoryLog();
        var db = await OpenAsync(storage, log);
        var handle = db.CreateHandle();

        for (var i = 0; i < 100; i++)
        {
            await handle.InsertAsync($"k{i:D3}", i, Ct);
        }

        await handle.TransactionAsync(async (tx, ct) => await tx.RemoveAsync("k000", ct), Ct);
        Assert.Equal(101, log.Held);

        // The data file got every durable commit from the log; the checkpoint lets the log give all of them back.
        await db.CheckpointAsync(Ct);
        Assert.Equal(0, log.Held);
        Assert.Equal(101, db.Engine.DataFile!.CheckpointLsn);

        // A commit the log has not made durable is neither acknowledged nor visible.
        log.HoldBack = true;
        var late = handle.InsertAsync("late", 1, Ct).AsTask();
        Assert.False(late.IsCompleted);
        Assert.False(await handle.ContainsKeyAsync("late", Ct));
        log.MakeDurable();
        await late;
        Assert.True(await handle.ContainsKeyAsync("late", Ct));

        // A crash now loses only what the log never made durable.
        var lost = handle.InsertAsync("lost", 2, Ct).AsTask();
        var crashed = storage.CloneDurable();
        log.Crash();

        await using var reopened = await OpenAsync(crashed, log);
        var content = await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync();
        Assert.Equal(100, content.Count);
        Assert.DoesNotContain(content, p => p.Key is "k000" or "lost");
        Assert.Contains(new KeyValuePair<string, int>("late", 1), content);
        Assert.Equal(Enumerable.Range(1, 99).Select(i => new KeyValuePair<string, int>($"k{i:D3}", i)), content.Where(p => p.Key != "late"));
        Assert.Equal(1, log.Replayed);

        await Assert.ThrowsAsync<FluxMapIOException>(() => lost);
        await db.DisposeAsync();
    }

    /// <summary>A commit log held in memory; appends become durable when the test says so.</summary>
    private sealed class MemoryLog : ICommitLogSource<string, int>
    {
        private readonly WalCodec<string, int> _codec = new(null);
        private readonly List<(long Lsn, byte[] Payload)> _durable = [];
        private Action? _makeDurable;
        private Action? _die;

        /// <summary>Gets or sets a value indicating whether appends wait for <see cref="MakeDurable"/>.</summary>
        internal bool HoldBack { get; set; }

        /// <summary>Gets how many durable commits the log still holds.</summary>
        internal int Held
        {
            get
            {
                lock (_durable)
                {
                    return _durable.Count;
                }
            }
        }

        /// <summary>Gets how many commits the last open replayed.</summary>
        internal int Replayed { get; private set; }

        internal void MakeDurable() => _makeDurable!();

        /// <summary>The process dies: what was not durable is gone, and the old session can make nothing durable any more.</summary>
        internal void Crash() => _die!();

        public void CheckFiles()
        {
        }

        public long Recover(long afterLsn, ReplayWrite<string, int> apply, CancellationToken cancellationToken)
        {
            var last = afterLsn;
            Replayed = 0;
            lock (_durable)
            {
                foreach (var (lsn, payload) in _durable.Where(c => c.Lsn > afterLsn))
                {
                    _codec.ReadPayload(payload, lsn, apply);
                    last = lsn;
                    Replayed++;
                }
            }

            return last;
        }

        public ICommitLog<string, int> Start(long lastLsn, Action<long> publishDurable, ICommitSubscriber<string, int>? subscriber)
        {
            var session = new Session(this, lastLsn, publishDurable, subscriber);
            (_makeDurable, _die) = (session.MakeDurable, session.Die);
            return session;
        }

        private sealed class Session(MemoryLog owner, long lastLsn, Action<long> publishDurable, ICommitSubscriber<string, int>? subscriber) : ICommitLog<string, int>
        {
            private readonly List<CommitRecord<string, int>> _pending = [];
            private long _durableLsn = lastLsn;
            private FluxMapIOException? _failure;

            public bool PublishesWhenDurable => true;

            public long DurableTimestamp => Volatile.Read(ref _durableLsn);

            public long DiskBytes => 0;

            public int SegmentCount => owner.Held > 0 ? 2 : 1;

            public Task Room => Task.CompletedTask;

            public bool TakesCommits => true;

            public FluxMapIOException? Failure => _failure;

            public void ThrowIfFailed()
            {
                if (_failure is { } failure)
                {
                    throw failure;
                }
            }

            public ValueTask Append(CommitRecord<string, int> record)
            {
                record.Durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_pending)
                {
                    _pending.Add(record);
                }

                if (!owner.HoldBack)
                {
                    MakeDurable();
                }

                return new ValueTask(record.Durable.Task);
            }

            public Task FlushAsync(CancellationToken cancellationToken)
            {
                ThrowIfFailed();
                MakeDurable();
                return Task.CompletedTask;
            }

            public Task ReleaseThroughAsync(long checkpointLsn, CancellationToken cancellationToken)
            {
                lock (owner._durable)
                {
                    owner._durable.RemoveAll(c => c.Lsn <= checkpointLsn);
                }

                return Task.CompletedTask;
            }

            public ValueTask DisposeAsync() => default;

            internal void MakeDurable()
            {
                CommitRecord<string, int>[] batch;
                lock (_pending)
                {
                    if (_failure is not null)
                    {
                        return;
                    }

                    batch = [.. _pending];
                    _pending.Clear();
                    lock (owner._durable)
                    {
                        owner._durable.AddRange(batch.Select(r => (r.Timestamp, r.Payload)));
                    }
                }

                foreach (var record in batch)
                {
                    subscriber?.Accept(record);
                    Volatile.Write(ref _durableLsn, record.Timestamp);
                    publishDurable(record.Timestamp);
                    record.Durable!.SetResult();
                }
            }

            internal void Die()
            {
                lock (_pending)
                {
                    _failure = new FluxMapIOException("The process died.", new IOException("crash"));
                    foreach (var record in _pending)
                    {
                        record.Durable!.SetException(_failure);
                    }

                    _pending.Clear();
                }
            }
        }
    }
}

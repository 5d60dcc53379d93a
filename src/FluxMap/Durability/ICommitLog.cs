namespace FluxMap.Durability;

/// <summary>
/// Where the commit step hands committed write sets, in commit-timestamp order, from inside its
/// critical section. The write-ahead log is the implementation today; a replicated log can take
/// its place without changing transactions or storage: it completes appends once they are
/// durable in its own sense, hands durable commits on to its subscriber, and gives back what a
/// checkpoint covers.
/// </summary>
internal interface ICommitLog<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    /// <summary>Whether commits become visible only once <see cref="Append"/>'s task completes (Full durability).</summary>
    bool PublishesWhenDurable { get; }

    /// <summary>The newest commit known to be durable.</summary>
    long DurableTimestamp { get; }

    /// <summary>The bytes the log holds on disk.</summary>
    long DiskBytes { get; }

    /// <summary>The pieces (segments) the log holds; more than one means a checkpoint could let it give some back.</summary>
    int SegmentCount { get; }

    /// <summary>
    /// Completes once the log has room for more commits: at once unless the log has reached its
    /// bound on disk and waits for a checkpoint to give some back. Commits wait for it before the
    /// commit lock; it completes too when the log fails or closes.
    /// </summary>
    Task Room { get; }

    /// <summary>
    /// Whether a commit made here may be appended now: always for a local log; on a replicated
    /// member only while it leads. Work nobody asked for (the expired-key sweep) waits until then.
    /// </summary>
    bool TakesCommits { get; }

    /// <summary>The failure that closed the log, if any.</summary>
    FluxMapIOException? Failure { get; }

    /// <summary>Throws the failure that closed the log, if any; called before a commit takes its timestamp.</summary>
    void ThrowIfFailed();

    /// <summary>Completes once every commit appended so far is durable (and handed to the subscriber).</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Queues a commit; the task completes when the commit may be acknowledged.</summary>
    ValueTask Append(CommitRecord<TKey, TValue> record);

    /// <summary>Gives back what holds only commits at or below <paramref name="checkpointLsn"/>, which a checkpoint made durable elsewhere.</summary>
    Task ReleaseThroughAsync(long checkpointLsn, CancellationToken cancellationToken);
}

namespace FluxMap.Durability;

/// <summary>
/// Where the transaction manager hands committed write sets, in commit-timestamp order, from
/// inside its commit step. The write-ahead log is the implementation today; a replicated log can
/// take its place without changing transactions or storage.
/// </summary>
internal interface ICommitLog<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Whether commits become visible only once <see cref="Append"/>'s task completes (Full durability).</summary>
    bool PublishesWhenDurable { get; }

    /// <summary>The newest commit known to be durable.</summary>
    long DurableTimestamp { get; }

    /// <summary>The failure that closed the log, if any.</summary>
    FluxMapIOException? Failure { get; }

    /// <summary>Throws the failure that closed the log, if any; called before a commit takes its timestamp.</summary>
    void ThrowIfFailed();

    /// <summary>Completes once every commit appended so far is durable.</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Queues a commit; the task completes when the commit may be acknowledged.</summary>
    ValueTask Append(CommitRecord<TKey, TValue> record);
}

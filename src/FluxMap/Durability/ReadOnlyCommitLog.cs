namespace FluxMap.Durability;

/// <summary>
/// The commit log of a database opened read-only: it holds what was replayed and takes nothing
/// more. A commit is refused before it takes a timestamp, so nothing of it is installed.
/// </summary>
internal sealed class ReadOnlyCommitLog<TKey, TValue>(string directory, long lastLsn) : ICommitLog<TKey, TValue>
    where TKey : notnull
{
    public bool PublishesWhenDurable => false;

    public long DurableTimestamp => lastLsn;

    public long DiskBytes => 0;

    public int SegmentCount => 0;

    public Task Room => Task.CompletedTask;

    public bool TakesCommits => false;

    public FluxMapIOException? Failure => null;

    public void ThrowIfFailed() => throw Refused();

    public ValueTask Append(CommitRecord<TKey, TValue> record) => throw Refused();

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseThroughAsync(long checkpointLsn, CancellationToken cancellationToken) => throw Refused();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private InvalidOperationException Refused() =>
        new($"The database in '{directory}' was opened read-only, to inspect its files: it takes no commits and writes nothing.");
}

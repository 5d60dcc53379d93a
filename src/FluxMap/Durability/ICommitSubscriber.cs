namespace FluxMap.Durability;

/// <summary>
/// Takes durable commits from the log, in commit order, each once, on the log's own thread. The
/// data file's write-behind is the subscriber: it never sees a commit a crash could take back.
/// </summary>
internal interface ICommitSubscriber<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Takes one durable commit; must not block on anything that waits for the log.</summary>
    void Accept(CommitRecord<TKey, TValue> record);
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// One session of an isolation spec: its transaction, begun at the first step that needs it, and
/// every read and write it made, kept so that <see cref="SerialOrder"/> can replay them.
/// </summary>
internal sealed class SpecSession<TKey, TValue>
    where TKey : notnull
{
    private readonly FluxDatabase<TKey, TValue> _db;
    private readonly TransactionOptions? _options;
    private readonly List<(string Description, Func<SortedDictionary<TKey, TValue>, bool> Replay)> _operations = [];
    private FluxTransaction<TKey, TValue>? _transaction;

    internal SpecSession(string name, FluxDatabase<TKey, TValue> db, FluxHandle<TKey, TValue> handle, TransactionOptions? options)
    {
        Name = name;
        _db = db;
        Handle = handle;
        _options = options;
    }

    internal string Name { get; }

    /// <summary>For steps that run outside the session's transaction (PostgreSQL's autocommit statements).</summary>
    internal FluxHandle<TKey, TValue> Handle { get; }

    internal SessionState State { get; private set; }

    /// <summary>How the session failed, as the expected outcomes write it ("s2", "s2:unique"); null unless it failed.</summary>
    internal string? Failure { get; private set; }

    internal bool IsReadWriteOpen => State == SessionState.Open && !_transaction!.IsReadOnly;

    internal bool HasEnded => State is SessionState.Committed or SessionState.RolledBack or SessionState.Failed;

    /// <summary>What the session read and wrote, in order: each replays against a model and tells whether it saw the same.</summary>
    internal IReadOnlyList<(string Description, Func<SortedDictionary<TKey, TValue>, bool> Replay)> Operations => _operations;

    private FluxTransaction<TKey, TValue> Transaction
    {
        get
        {
            if (_transaction is null)
            {
                _transaction = Handle.BeginTransaction(_options);
                State = SessionState.Open;
            }

            return _transaction;
        }
    }

    /// <summary>Begins the transaction, and so takes its snapshot, now.</summary>
    internal void TakeSnapshot() => _ = Transaction;

    internal async Task<FluxValue<TValue>> GetAsync(TKey key)
    {
        var value = await Transaction.GetAsync(key, Fixture.Ct);
        _operations.Add(($"get {key} = {(value.HasValue ? value.Value : "miss")}", model => model.TryGetValue(key, out var held)
            ? value.HasValue && EqualityComparer<TValue>.Default.Equals(held, value.Value)
            : !value.HasValue));
        return value;
    }

    /// <summary>Scans a range in key order, stopping after <paramref name="limit"/> pairs (the trace then ends at the last one).</summary>
    internal Task<List<KeyValuePair<TKey, TValue>>> ScanAsync(KeyRange<TKey> range, int limit = int.MaxValue) =>
        RecordScanAsync(Transaction.ScanAsync(range, cancellationToken: Fixture.Ct), range, limit);

    internal Task<List<KeyValuePair<TKey, TValue>>> ScanPrefixAsync(TKey prefix, int limit = int.MaxValue) =>
        RecordScanAsync(Transaction.ScanPrefixAsync(prefix, Fixture.Ct), _db.Engine.Keys.PrefixRange(prefix), limit);

    internal async Task InsertAsync(TKey key, TValue value)
    {
        await Transaction.InsertAsync(key, value, Fixture.Ct);
        _operations.Add(($"put {key} = {value}", model => Put(model, key, value)));
    }

    /// <summary>An UPDATE of one row found by its key: reads it and, if it exists, writes <paramref name="change"/> of it.</summary>
    internal async Task<bool> UpdateAsync(TKey key, Func<TValue, TValue> change)
    {
        var current = await GetAsync(key);
        if (current.HasValue)
        {
            await InsertAsync(key, change(current.Value));
        }

        return current.HasValue;
    }

    /// <summary>An INSERT into a table with a unique key: fails the statement when the key exists in this snapshot.</summary>
    internal async Task InsertNewAsync(TKey key, TValue value)
    {
        if (!await InsertIfAbsentAsync(key, value))
        {
            throw new ConstraintViolation("unique");
        }
    }

    /// <summary>An INSERT ... ON CONFLICT DO NOTHING: writes only when the key is absent in this snapshot.</summary>
    internal async Task<bool> InsertIfAbsentAsync(TKey key, TValue value)
    {
        if ((await GetAsync(key)).HasValue)
        {
            return false;
        }

        await InsertAsync(key, value);
        return true;
    }

    internal async Task<bool> RemoveAsync(TKey key)
    {
        var existed = await Transaction.RemoveAsync(key, Fixture.Ct);
        _operations.Add(($"remove {key} ({(existed ? "existed" : "absent")})", model => model.Remove(key) == existed));
        return existed;
    }

    internal async Task CommitAsync()
    {
        await Transaction.CommitAsync(Fixture.Ct);
        State = SessionState.Committed;
    }

    internal async Task RollbackAsync()
    {
        await Transaction.RollbackAsync(Fixture.Ct);
        State = SessionState.RolledBack;
    }

    /// <summary>Records a failure; FluxMap has rolled the transaction back already, or the caller did.</summary>
    internal void Fail(string? constraint)
    {
        State = SessionState.Failed;
        Failure = constraint is null ? Name : $"{Name}:{constraint}";
    }

    private async Task<List<KeyValuePair<TKey, TValue>>> RecordScanAsync(IAsyncEnumerable<KeyValuePair<TKey, TValue>> scan, KeyRange<TKey> range, int limit)
    {
        var seen = new List<KeyValuePair<TKey, TValue>>();
        await foreach (var pair in scan)
        {
            seen.Add(pair);
            if (seen.Count == limit)
            {
                break;
            }
        }

        var complete = seen.Count < limit;
        _operations.Add(($"scan {range}{(complete ? string.Empty : $" first {limit}")} = [{string.Join(", ", seen)}]",
            model => model.Where(p => range.Contains(p.Key, model.Comparer)).Take(complete ? int.MaxValue : limit).SequenceEqual(seen)));
        return seen;
    }

    private static bool Put(SortedDictionary<TKey, TValue> model, TKey key, TValue value)
    {
        model[key] = value;
        return true;
    }
}

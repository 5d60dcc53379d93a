using FluxMap.Durability;

namespace FluxMap.Replication;

/// <summary>
/// The database a member runs on, which it replaces when its state must be rebuilt: after it led
/// and its uncommitted commits lost (they were installed, invisible, and a new leader's commits
/// take their timestamps), or after a snapshot replaced everything. Reopening runs the engine's
/// own recovery on the Raft commit log: the data file, then the commits it does not hold yet.
/// </summary>
internal sealed class EngineHost<TKey, TValue>(
    Func<ICommitLogSource<TKey, TValue>, CancellationToken, ValueTask<FluxDatabase<TKey, TValue>>> open,
    RaftCommitLog<TKey, TValue> source,
    string dataDirectory) : IAsyncDisposable
    where TKey : notnull
{
    private FluxDatabase<TKey, TValue>? _database;
    private bool _closed;

    internal RaftCommitLog<TKey, TValue> Source => source;

    internal Signal Changed { get; } = new();

    /// <summary>Gets the database open now; an operation that finds it closed under it runs again on the next one.</summary>
    internal FluxDatabase<TKey, TValue> Database => Volatile.Read(ref _database) ?? throw new ObjectDisposedException(nameof(ReplicatedFluxDatabase<,>));

    /// <summary>Gets the database open now, or null while it is being replaced (<see cref="Changed"/> pulses once the new one is open).</summary>
    /// <exception cref="ObjectDisposedException">The member closed.</exception>
    internal FluxDatabase<TKey, TValue>? Current
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed), typeof(ReplicatedFluxDatabase<,>));
            return Volatile.Read(ref _database);
        }
    }

    internal RaftLogSession<TKey, TValue> Session => source.Session!;

    internal async ValueTask OpenAsync(CancellationToken cancellationToken) =>
        Volatile.Write(ref _database, await open(source, cancellationToken).ConfigureAwait(false));

    /// <summary>Closes the database (its last checkpoint keeps what was applied) and opens it again; <paramref name="wipe"/> empties the data directory in between.</summary>
    internal async ValueTask ReopenAsync(bool wipe, CancellationToken cancellationToken)
    {
        Session.StopLeading(closing: true);
        var old = Interlocked.Exchange(ref _database, null);
        if (old is not null)
        {
            await old.DisposeAsync().ConfigureAwait(false);
        }

        if (wipe && Directory.Exists(dataDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(dataDirectory))
            {
                File.Delete(file);
            }
        }

        await OpenAsync(cancellationToken).ConfigureAwait(false);
        Changed.Pulse();
    }

    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _closed, true);
        if (Interlocked.Exchange(ref _database, null) is { } database)
        {
            await database.DisposeAsync().ConfigureAwait(false);
        }

        Changed.Pulse();
    }
}

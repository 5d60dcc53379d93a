namespace FluxMap.Transactions;

/// <summary>
/// A scan as the caller enumerates it. Written by hand rather than as an async iterator so that a
/// step whose pair is in memory completes synchronously through no state machine: only a
/// paged-out value, or a deferrable transaction's wait for a safe snapshot, goes async. As with
/// compiler-generated iterators, the enumerable is its own first enumerator; enumerating it again,
/// or from two places at once, gets a fresh one. Nothing is read before the first step.
/// </summary>
/// <remarks>
/// The scan's state lives in a <see cref="ScanCursor{TKey, TValue}"/> rented from the database's
/// spares for one enumeration, so a scan allocates only this small object. The cursor goes back
/// when the enumeration ends, which is why this object lets go of it exactly once and refuses to be
/// disposed while a step is still running.
/// </remarks>
internal sealed class ScanEnumerator<TKey, TValue> : IAsyncEnumerable<KeyValuePair<TKey, TValue>>, IAsyncEnumerator<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private const int Created = 0;
    private const int Enumerating = 1;
    private const int Stepping = 2;

    private readonly FluxEngine<TKey, TValue> _engine;
    private readonly FluxTransaction<TKey, TValue>? _transaction;
    private readonly KeyRange<TKey> _range;
    private readonly ScanDirection _direction;
    private readonly CancellationToken _scanToken;
    private ScanCursor<TKey, TValue>? _cursor;
    private int _state;

    /// <param name="engine">The database scanned.</param>
    /// <param name="transaction">The transaction to scan in; null for a handle scan, which begins a read-only one at the first step and commits it after the last.</param>
    /// <param name="range">The keys to visit, already checked.</param>
    /// <param name="direction">Ascending or descending.</param>
    /// <param name="cancellationToken">The token the scan was started with.</param>
    internal ScanEnumerator(FluxEngine<TKey, TValue> engine, FluxTransaction<TKey, TValue>? transaction, KeyRange<TKey> range, ScanDirection direction, CancellationToken cancellationToken)
    {
        _engine = engine;
        _transaction = transaction;
        _range = range;
        _direction = direction;
        _scanToken = cancellationToken;
    }

    /// <inheritdoc />
    public KeyValuePair<TKey, TValue> Current => _cursor?.Current ?? default;

    /// <inheritdoc />
    public IAsyncEnumerator<KeyValuePair<TKey, TValue>> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var enumerator = Interlocked.CompareExchange(ref _state, Enumerating, Created) == Created
            ? this
            : new ScanEnumerator<TKey, TValue>(_engine, _transaction, _range, _direction, _scanToken) { _state = Enumerating };
        enumerator.Start(cancellationToken);
        return enumerator;
    }

    /// <inheritdoc />
    public ValueTask<bool> MoveNextAsync()
    {
        if (_cursor is not { } cursor)
        {
            return new(false);
        }

        if (Volatile.Read(ref _state) == Stepping)
        {
            throw Overlapping(nameof(MoveNextAsync));
        }

        try
        {
            if (!cursor.IsOpen)
            {
                var opening = cursor.OpenAsync();
                if (!opening.IsCompletedSuccessfully)
                {
                    return MoveNextLaterAsync(cursor, opening);
                }

                opening.GetAwaiter().GetResult();
            }

            return cursor.Step() switch
            {
                ScanStep.Found => new(true),
                ScanStep.Unloaded => MoveNextLaterAsync(cursor, null),
                _ => Completed(cursor),
            };
        }
        catch (Exception e)
        {
            End();
            return ValueTask.FromException<bool>(e);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _state) == Stepping)
        {
            throw Overlapping(nameof(DisposeAsync));
        }

        End();
        return default;
    }

    // The tokens combine as they do for an async iterator's [EnumeratorCancellation] parameter.
    private void Start(CancellationToken cancellationToken)
    {
        CancellationTokenSource? linked = null;
        CancellationToken token;
        if (!_scanToken.CanBeCanceled || cancellationToken.Equals(_scanToken) || !cancellationToken.CanBeCanceled)
        {
            token = _scanToken.CanBeCanceled ? _scanToken : cancellationToken;
        }
        else
        {
            linked = CancellationTokenSource.CreateLinkedTokenSource(_scanToken, cancellationToken);
            token = linked.Token;
        }

        var cursor = _engine.ScanCursors.Rent() ?? new ScanCursor<TKey, TValue>(_engine);
        cursor.Start(_transaction, _range, _direction, linked, token);
        _cursor = cursor;
    }

    // The range is done: a handle scan's commit may wait (never in practice: it wrote nothing).
    private ValueTask<bool> Completed(ScanCursor<TKey, TValue> cursor)
    {
        var committed = cursor.CompleteAsync();
        if (!committed.IsCompletedSuccessfully)
        {
            return CompletedLaterAsync(committed);
        }

        committed.GetAwaiter().GetResult();
        End();
        return new(false);
    }

    private async ValueTask<bool> CompletedLaterAsync(ValueTask committed)
    {
        Volatile.Write(ref _state, Stepping);
        try
        {
            await committed.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _state, Enumerating);
            End();
        }

        return false;
    }

    // The slow path: the scan waits to open (opening), or reads a paged-out value (opening null);
    // then it steps on as usual. Which one is never read from the cursor: an open that went async
    // may finish on another thread before this runs, and the cursor would then look open.
    private async ValueTask<bool> MoveNextLaterAsync(ScanCursor<TKey, TValue> cursor, ValueTask? opening)
    {
        Volatile.Write(ref _state, Stepping);
        bool found;
        try
        {
            if (opening is { } open)
            {
                await open.ConfigureAwait(false);
                found = false;
            }
            else
            {
                found = await cursor.LoadAsync().ConfigureAwait(false);
            }
        }
        catch
        {
            End();
            throw;
        }
        finally
        {
            Volatile.Write(ref _state, Enumerating);
        }

        return found || await MoveNextAsync().ConfigureAwait(false);
    }

    private static InvalidOperationException Overlapping(string call) =>
        new($"A scan's {call} was called while its MoveNextAsync had not completed; await each call on an enumerator before the next.");

    // Ends the enumeration once, however many callers race here, and gives the cursor back.
    private void End()
    {
        if (Interlocked.Exchange(ref _cursor, null) is { } cursor)
        {
            cursor.Dispose();
            _engine.ScanCursors.Return(cursor);
        }
    }
}

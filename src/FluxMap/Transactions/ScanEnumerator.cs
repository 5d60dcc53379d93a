namespace FluxMap.Transactions;

/// <summary>
/// A scan as the caller enumerates it. Written by hand rather than as an async iterator so that a
/// step whose pair is in memory completes synchronously through no state machine: only a
/// paged-out value, or a deferrable transaction's wait for a safe snapshot, goes async. As with
/// compiler-generated iterators, the enumerable is its own first enumerator; enumerating it again,
/// or from two places at once, gets a fresh one. Nothing is read before the first step.
/// </summary>
internal sealed class ScanEnumerator<TKey, TValue> : IAsyncEnumerable<KeyValuePair<TKey, TValue>>, IAsyncEnumerator<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private const int Created = 0;
    private const int Enumerating = 1;

    private readonly FluxEngine<TKey, TValue> _engine;
    private readonly FluxTransaction<TKey, TValue>? _transaction;
    private readonly KeyRange<TKey> _range;
    private readonly ScanDirection _direction;
    private readonly CancellationToken _scanToken;
    private CancellationToken _token;
    private CancellationTokenSource? _linked;
    private ScanCursor<TKey, TValue>? _cursor;
    private bool _opened;
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
    public KeyValuePair<TKey, TValue> Current { get; private set; }

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

        try
        {
            if (!_opened)
            {
                var opening = cursor.OpenAsync(_token);
                if (!opening.IsCompletedSuccessfully)
                {
                    return MoveNextLaterAsync(cursor, opening);
                }

                opening.GetAwaiter().GetResult();
                _opened = true;
            }

            return cursor.Step(_token) switch
            {
                ScanStep.Found => Found(cursor),
                ScanStep.Unloaded => MoveNextLaterAsync(cursor, default),
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
        End();
        return default;
    }

    // The tokens combine as they do for an async iterator's [EnumeratorCancellation] parameter.
    private void Start(CancellationToken cancellationToken)
    {
        if (!_scanToken.CanBeCanceled || cancellationToken.Equals(_scanToken) || !cancellationToken.CanBeCanceled)
        {
            _token = _scanToken.CanBeCanceled ? _scanToken : cancellationToken;
        }
        else
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(_scanToken, cancellationToken);
            _token = _linked.Token;
        }

        _cursor = new ScanCursor<TKey, TValue>(_engine, _transaction, _range, _direction);
    }

    private ValueTask<bool> Found(ScanCursor<TKey, TValue> cursor)
    {
        Current = cursor.Current;
        return new(true);
    }

    // The range is done: a handle scan's commit may wait (never in practice: it wrote nothing).
    private ValueTask<bool> Completed(ScanCursor<TKey, TValue> cursor)
    {
        var committed = cursor.CompleteAsync(_token);
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
        try
        {
            await committed.ConfigureAwait(false);
        }
        finally
        {
            End();
        }

        return false;
    }

    // The slow path: the scan waits to open, or reads a paged-out value; then it steps on as usual.
    private async ValueTask<bool> MoveNextLaterAsync(ScanCursor<TKey, TValue> cursor, ValueTask opening)
    {
        try
        {
            if (!_opened)
            {
                await opening.ConfigureAwait(false);
                _opened = true;
            }
            else if (await cursor.LoadAsync(_token).ConfigureAwait(false))
            {
                Current = cursor.Current;
                return true;
            }
        }
        catch
        {
            End();
            throw;
        }

        return await MoveNextAsync().ConfigureAwait(false);
    }

    private void End()
    {
        if (_cursor is { } cursor)
        {
            _cursor = null;
            Current = default;
            cursor.Dispose();
            _linked?.Dispose();
            _linked = null;
        }
    }
}

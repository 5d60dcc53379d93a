namespace FluxMap.Replication;

/// <summary>Wakes everyone waiting for a member's state to change (commits applied, visibility, leadership) so they test their condition again.</summary>
internal sealed class Signal
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void Pulse() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes once <paramref name="condition"/> holds, testing it after every pulse.</summary>
    internal async ValueTask WaitAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition())
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Completes with <see langword="true"/> once <paramref name="condition"/> holds, or with
    /// <see langword="false"/> once <paramref name="atMost"/> passed; cancelling the token throws.
    /// </summary>
    internal async ValueTask<bool> WaitAsync(Func<bool> condition, TimeSpan atMost, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(atMost);
        try
        {
            await WaitAsync(condition, bounded.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

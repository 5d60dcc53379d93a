namespace FluxMap.Compare.Adapters;

/// <summary>An open store. Disposing it closes the store and every session it handed out.</summary>
internal interface IStoreAdapter : IAsyncDisposable
{
    /// <summary>A session for one worker; stores that are safe to share may hand out the same one.</summary>
    IStoreSession CreateSession();

    /// <summary>
    /// Waits until the work the store does in the background after writes (flushes, checkpoints,
    /// compactions) is done, using what the store's library offers, so that it does not run
    /// inside the next timed row. No session is in use meanwhile. Returns, or throws
    /// <see cref="OperationCanceledException"/>, soon after <paramref name="cancellationToken"/>
    /// is cancelled, and nothing it started may outlive <see cref="IAsyncDisposable.DisposeAsync"/>.
    /// Stores without background work (the in-memory collections) keep this default.
    /// </summary>
    ValueTask SettleAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

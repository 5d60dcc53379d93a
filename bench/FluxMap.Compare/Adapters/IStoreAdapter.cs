namespace FluxMap.Compare.Adapters;

/// <summary>An open store. Disposing it closes the store and every session it handed out.</summary>
internal interface IStoreAdapter : IAsyncDisposable
{
    /// <summary>A session for one worker; stores that are safe to share may hand out the same one.</summary>
    IStoreSession CreateSession();
}

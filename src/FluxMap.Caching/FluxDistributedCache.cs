using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace FluxMap.Caching;

/// <summary>
/// <see cref="IDistributedCache"/> on the hosted database registered by
/// <see cref="FluxMapDistributedCacheServiceCollectionExtensions.AddFluxMapDistributedCache(IServiceCollection, Action{FluxMapOptions})"/>:
/// a value's expiration is the key's time-to-live, so an expired entry reads as absent at once and
/// the database's sweeper deletes it. A read of an entry with a sliding expiration sets the
/// time-to-live to the sliding expiration again, never past the absolute one, in a transaction, so
/// a concurrent write of the key is never overwritten with the old value.
/// </summary>
internal sealed class FluxDistributedCache(IServiceProvider services, TimeProvider clock) : IBufferDistributedCache
{
    private FluxHandle<string, byte[]>? _handle;

    // Resolved at the first call, not at construction: the database opens only when the host starts,
    // and HybridCache (or any singleton) may take the cache before that.
    private FluxHandle<string, byte[]> Handle =>
        _handle ??= services.GetRequiredKeyedService<FluxHandle<string, byte[]>>(FluxMapDistributedCacheServiceCollectionExtensions.DatabaseName);

    public byte[]? Get(string key) => Wait(GetAsync(key, CancellationToken.None));

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        await ReadAsync(key, token).ConfigureAwait(false) is { } entry ? CacheEntry.Value(entry).ToArray() : null;

    public bool TryGet(string key, IBufferWriter<byte> destination) => Wait(TryGetAsync(key, destination, CancellationToken.None));

    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (await ReadAsync(key, token).ConfigureAwait(false) is not { } entry)
        {
            return false;
        }

        destination.Write(CacheEntry.Value(entry));
        return true;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Wait(SetAsync(key, value, options, CancellationToken.None));

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetAsync(key, new ReadOnlySequence<byte>(value), options, token).AsTask();
    }

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => Wait(SetAsync(key, value, options, CancellationToken.None));

    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        var (entry, timeToLive) = CacheEntry.Create(value, options, clock.GetUtcNow());
        return timeToLive is { } expiring ? Handle.InsertAsync(key, entry, expiring, token) : Handle.InsertAsync(key, entry, token);
    }

    public void Refresh(string key) => Wait(RefreshAsync(key, CancellationToken.None));

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SlideAsync(key, token).AsTask();
    }

    public void Remove(string key) => Wait(RemoveAsync(key, CancellationToken.None));

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Handle.RemoveAsync(key, token).AsTask();
    }

    // IDistributedCache's synchronous members must wait for the database (a commit waits for its
    // sync in Full durability) and have no asynchronous way to: they block, as the Redis and SQL
    // Server caches block on their I/O. HybridCache calls only the asynchronous members.
    private static T Wait<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static T Wait<T>(Task<T> pending) => pending.GetAwaiter().GetResult();

    private static void Wait(Task pending) => pending.GetAwaiter().GetResult();

    private static void Wait(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The stored entry, its time-to-live slid on if it has a sliding expiration; null for a miss.</summary>
    private async ValueTask<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var stored = await Handle.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (!stored.HasValue)
        {
            return null;
        }

        if (CacheEntry.Slides(stored.Value))
        {
            await SlideAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return stored.Value;
    }

    private ValueTask SlideAsync(string key, CancellationToken cancellationToken) =>
        Handle.TransactionAsync(
            async (tx, ct) =>
            {
                var stored = await tx.GetAsync(key, ct).ConfigureAwait(false);
                if (stored.HasValue && CacheEntry.Slides(stored.Value) && CacheEntry.SlidTimeToLive(stored.Value, clock.GetUtcNow()) is { Ticks: > 0 } timeToLive)
                {
                    await tx.InsertAsync(key, stored.Value, timeToLive, ct).ConfigureAwait(false);
                }
            },
            cancellationToken);
}

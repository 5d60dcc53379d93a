using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace FluxMap.Caching.Tests;

/// <summary>
/// Wraps the registered cache and reports each completed write of a key: HybridCache writes its
/// second level in the background, after the call that caused it returned.
/// </summary>
internal sealed class ObservedCache(IBufferDistributedCache inner) : IBufferDistributedCache
{
    private readonly Channel<string> _written = Channel.CreateUnbounded<string>();

    public ChannelReader<string> Written => _written.Reader;

    /// <summary>Puts an <see cref="ObservedCache"/> in front of the registered <see cref="IDistributedCache"/>.</summary>
    public static void Register(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IDistributedCache));
        services.Remove(registered);
        services.AddSingleton(sp => new ObservedCache((IBufferDistributedCache)registered.ImplementationFactory!(sp)));
        services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<ObservedCache>());
    }

    public byte[]? Get(string key) => inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => inner.GetAsync(key, token);

    public bool TryGet(string key, IBufferWriter<byte> destination) => inner.TryGet(key, destination);

    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default) => inner.TryGetAsync(key, destination, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => throw new NotSupportedException();

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await inner.SetAsync(key, value, options, token);
        _written.Writer.TryWrite(key);
    }

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);
}

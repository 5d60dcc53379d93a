using System.Collections.Concurrent;
using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Tests;

/// <summary>A store that keeps nothing and writes what is done to it, in order, into a shared log.</summary>
internal sealed class RecordingStore(string id, ConcurrentQueue<string> log, Func<CancellationToken, ValueTask> settle) : IStoreAdapter, IStoreSession
{
    /// <summary>A definition that opens a recording store named <paramref name="id"/>; <paramref name="settle"/> is its background work, none by default.</summary>
    public static StoreDefinition Definition(string id, DurabilityClass durability, ConcurrentQueue<string> log, Func<CancellationToken, ValueTask>? settle = null) =>
        new(id, id, durability, StoreFeatures.None, "records calls", (_, _) => new(new RecordingStore(id, log, settle ?? (_ => ValueTask.CompletedTask))));

    public IStoreSession CreateSession() => this;

    public ValueTask SettleAsync(CancellationToken cancellationToken)
    {
        log.Enqueue($"settle {id}");
        return settle(cancellationToken);
    }

    public ValueTask<byte[]?> GetAsync(byte[] key)
    {
        log.Enqueue($"op {id}");
        return new((byte[]?)null);
    }

    public ValueTask PutAsync(byte[] key, byte[] value)
    {
        log.Enqueue($"op {id}");
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(byte[] key)
    {
        log.Enqueue($"op {id}");
        return ValueTask.CompletedTask;
    }

    public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
    {
        log.Enqueue($"load {id}");
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        log.Enqueue($"close {id}");
        return ValueTask.CompletedTask;
    }
}

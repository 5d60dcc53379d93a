using System.Collections.Concurrent;
using FASTER.core;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// Microsoft FASTER KV as an in-memory store, the way its documentation sets it up for speed:
/// SpanByte keys and values (variable-length data stored inline in the log, no object log),
/// one client session per worker thread, a hash index sized to about a quarter of the keys in
/// buckets, and a log large enough to keep every record in memory with a null device behind it
/// (no checkpoints, so no durability). A hash index: no ordered scans, no transactions.
/// </summary>
internal sealed class FasterStore : IStoreAdapter
{
    private readonly FasterKV<SpanByte, SpanByte> _store;
    private readonly NullDevice _device = new();
    private readonly ConcurrentBag<Session> _sessions = [];

    private FasterStore(long capacity)
    {
        var buckets = Math.Max(1L << 12, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, capacity / 4)));
        _store = new FasterKV<SpanByte, SpanByte>(buckets, new LogSettings
        {
            LogDevice = _device,
            PageSizeBits = 25,
            MemorySizeBits = 34,
        });
    }

    /// <summary>Opens an empty store sized for <paramref name="capacity"/> keys.</summary>
    public static ValueTask<IStoreAdapter> OpenAsync(long capacity) => new(new FasterStore(capacity));

    /// <inheritdoc />
    public IStoreSession CreateSession()
    {
        var session = new Session(_store.NewSession<SpanByte, byte[], Empty>(new SpanByteFunctions_ByteArrayOutput<Empty>()));
        _sessions.Add(session);
        return session;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        _store.Dispose();
        _device.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Session(ClientSession<SpanByte, SpanByte, SpanByte, byte[], Empty, IFunctions<SpanByte, SpanByte, SpanByte, byte[], Empty>> session)
        : IStoreSession, IDisposable
    {
        public ValueTask<byte[]?> GetAsync(byte[] key)
        {
            SpanByte input = default;
            byte[] output = null!;
            var status = session.Read(key, ref input, ref output, Empty.Default, 0);
            if (status.IsPending)
            {
                // Every record stays in memory, so nothing should ever go to the (null) device.
                throw new InvalidOperationException("FASTER went to its device for a read; the in-memory log is too small.");
            }

            return new(status.Found ? output : null);
        }

        public ValueTask PutAsync(byte[] key, byte[] value)
        {
            session.Upsert(key, value, Empty.Default, 0);
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteAsync(byte[] key)
        {
            session.Delete(key, Empty.Default, 0);
            return ValueTask.CompletedTask;
        }

        public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch)
        {
            foreach (var (key, value) in batch)
            {
                session.Upsert(key, value, Empty.Default, 0);
            }

            return ValueTask.CompletedTask;
        }

        public void Dispose() => session.Dispose();
    }
}

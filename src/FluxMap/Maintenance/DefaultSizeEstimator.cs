using System.Runtime.CompilerServices;
using MessagePack;

namespace FluxMap.Maintenance;

/// <summary>
/// Sizes as the runtime lays them out on 64-bit: strings and byte arrays by length, unmanaged
/// values inline, anything else by its MessagePack size plus an object header, a fair stand-in
/// for the graph of small objects such a value usually is. It never throws: it runs inside commits.
/// </summary>
internal sealed class DefaultSizeEstimator<TKey, TValue> : IMemorySizeEstimator<TKey, TValue>
{
    private readonly MessagePackSerializerOptions _serializer;

    internal DefaultSizeEstimator(MessagePackSerializerOptions? serializer) =>
        _serializer = serializer ?? MessagePack.Resolvers.ContractlessStandardResolver.Options;

    public long EstimateKeySize(TKey key) => SizeOf(key);

    public long EstimateValueSize(TValue value) => SizeOf(value);

    private long SizeOf<T>(T item) => item switch
    {
        null => 0,
        string s => Align(22 + (2L * s.Length)),
        byte[] bytes => Align(24 + (long)bytes.Length),
        _ when !RuntimeHelpers.IsReferenceOrContainsReferences<T>() => 0,
        _ => Align(16 + SerializedLength(item)),
    };

    // A type MessagePack cannot write is counted as one small object rather than failing a commit.
    private long SerializedLength<T>(T item)
    {
        try
        {
            return MessagePackSerializer.Serialize(item, _serializer).Length;
        }
        catch (MessagePackSerializationException)
        {
            return 48;
        }
    }

    private static long Align(long bytes) => (bytes + 7) & ~7L;
}

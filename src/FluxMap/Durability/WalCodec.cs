using System.Buffers;
using MessagePack;
using MessagePack.Resolvers;

namespace FluxMap.Durability;

/// <summary>Serializes a commit's writes as MessagePack: an array of [isDelete, key, value?] entries.</summary>
internal sealed class WalCodec<TKey, TValue>
    where TKey : notnull
{
    private readonly MessagePackSerializerOptions _options;

    internal WalCodec(MessagePackSerializerOptions? options)
    {
        _options = options ?? ContractlessStandardResolver.Options;
        Require<TKey>("key");
        Require<TValue>("value");
    }

    internal void WritePayload(IBufferWriter<byte> output, CommitRecord<TKey, TValue> record)
    {
        var writer = new MessagePackWriter(output);
        if (record.Writes is { } writes)
        {
            writer.WriteArrayHeader(writes.Count);
            for (var node = writes.First; node is not null; node = node.Next(0))
            {
                var pending = node.Head!;
                WriteEntry(ref writer, node.Key, pending.Value, pending.IsTombstone);
            }
        }
        else
        {
            writer.WriteArrayHeader(1);
            WriteEntry(ref writer, record.Key, record.Value, record.IsDelete);
        }

        writer.Flush();
    }

    /// <summary>Decodes a payload, handing each entry to <paramref name="apply"/>.</summary>
    internal void ReadPayload(ReadOnlyMemory<byte> payload, long lsn, Action<long, TKey, TValue, bool> apply)
    {
        var reader = new MessagePackReader(payload);
        var count = reader.ReadArrayHeader();
        for (var i = 0; i < count; i++)
        {
            var isDelete = reader.ReadBoolean();
            var key = MessagePackSerializer.Deserialize<TKey>(ref reader, _options);
            var value = isDelete ? default! : MessagePackSerializer.Deserialize<TValue>(ref reader, _options);
            apply(lsn, key, value, isDelete);
        }
    }

    private void WriteEntry(ref MessagePackWriter writer, TKey key, TValue value, bool isDelete)
    {
        writer.Write(isDelete);
        MessagePackSerializer.Serialize(ref writer, key, _options);
        if (!isDelete)
        {
            MessagePackSerializer.Serialize(ref writer, value, _options);
        }
    }

    // Refuse a type MessagePack cannot handle now, at open, instead of at the first commit.
    private void Require<T>(string role)
    {
        try
        {
            _ = _options.Resolver.GetFormatterWithVerify<T>();
        }
        catch (Exception e) when (e is FormatterNotRegisteredException or TypeInitializationException or MessagePackSerializationException)
        {
            throw new NotSupportedException(
                $"The {role} type {typeof(T).FullName} cannot be stored durably: MessagePack has no formatter for it ({e.GetBaseException().Message}). " +
                "Use a type MessagePack supports, or pass serializer options with a resolver that handles it.",
                e);
        }
    }
}

using System.Buffers;
using MessagePack;
using MessagePack.Resolvers;

namespace FluxMap.Durability;

/// <summary>Serializes a commit's writes as MessagePack: an array of [isDelete, key, value?] entries.</summary>
internal sealed class WalCodec<TKey, TValue>
    where TKey : notnull
{
    private const int ExpiringPut = 2;

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
                WriteEntry(ref writer, node.Key, pending.Value, pending.IsTombstone, pending.ExpiresAt);
            }
        }
        else
        {
            writer.WriteArrayHeader(1);
            WriteEntry(ref writer, record.Key, record.Value, record.IsDelete, record.ExpiresAt);
        }

        writer.Flush();
    }

    /// <summary>Decodes a payload, handing each entry to <paramref name="apply"/>.</summary>
    internal void ReadPayload(ReadOnlyMemory<byte> payload, long lsn, ReplayWrite<TKey, TValue> apply)
    {
        var reader = new MessagePackReader(payload);
        var count = reader.ReadArrayHeader();
        for (var i = 0; i < count; i++)
        {
            var (key, value, isDelete, expiresAt) = ReadEntry(ref reader);
            apply(lsn, key, value, isDelete, expiresAt);
        }
    }

    /// <summary>
    /// Decodes one entry (the data file stores entries exactly as the log does);
    /// <paramref name="skipLastingValue"/> leaves out the value of a put without a time-to-live.
    /// </summary>
    internal (TKey Key, TValue Value, bool IsDelete, long ExpiresAt) ReadEntry(ref MessagePackReader reader, bool skipLastingValue = false)
    {
        var (isDelete, expiresAt) = ReadKind(ref reader);
        var key = MessagePackSerializer.Deserialize<TKey>(ref reader, _options);
        if (isDelete)
        {
            return (key, default!, true, 0);
        }

        if (skipLastingValue && expiresAt == 0)
        {
            reader.Skip();
            return (key, default!, false, 0);
        }

        return (key, MessagePackSerializer.Deserialize<TValue>(ref reader, _options), false, expiresAt);
    }

    /// <summary>Steps over one entry without decoding its key or value; returns whether it is a delete.</summary>
    internal static bool SkipEntry(ref MessagePackReader reader)
    {
        var (isDelete, _) = ReadKind(ref reader);
        reader.Skip();
        if (!isDelete)
        {
            reader.Skip();
        }

        return isDelete;
    }

    internal void WriteEntry(IBufferWriter<byte> output, TKey key, TValue value, bool isDelete, long expiresAt)
    {
        var writer = new MessagePackWriter(output);
        WriteEntry(ref writer, key, value, isDelete, expiresAt);
        writer.Flush();
    }

    // An entry starts with a boolean (delete or put) or, for a put with a time-to-live, with the
    // entry kind and the deadline; logs written before TTLs existed read unchanged.
    private static (bool IsDelete, long ExpiresAt) ReadKind(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType == MessagePackType.Boolean)
        {
            return (reader.ReadBoolean(), 0);
        }

        return reader.ReadInt32() == ExpiringPut
            ? (false, reader.ReadInt64())
            : throw new MessagePackSerializationException("Unknown write-ahead log entry kind.");
    }

    private void WriteEntry(ref MessagePackWriter writer, TKey key, TValue value, bool isDelete, long expiresAt)
    {
        if (expiresAt != 0 && !isDelete)
        {
            writer.Write(ExpiringPut);
            writer.Write(expiresAt);
        }
        else
        {
            writer.Write(isDelete);
        }

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

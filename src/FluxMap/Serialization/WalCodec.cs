using System.Buffers;
using FluxMap.Storage;
using MessagePack;
using MessagePack.Resolvers;

namespace FluxMap.Serialization;

/// <summary>Serializes a commit's writes as MessagePack: an array of [isDelete, key, value?] entries.</summary>
internal sealed class WalCodec<TKey, TValue>
    where TKey : notnull
{
    private const int ExpiringPut = 2;

    [ThreadStatic]
    private static ByteBuffer? _scratch;

    private readonly MessagePackSerializerOptions _options;

    internal WalCodec(MessagePackSerializerOptions? options)
    {
        _options = Guarded(options);
        Require<TKey>("key");
        Require<TValue>("value");
    }

    /// <summary>The options the codec writes with: the caller's (or contractless), guarded against cycles.</summary>
    internal MessagePackSerializerOptions Options => _options;

    /// <summary><paramref name="options"/> (or contractless ones) with a resolver that turns cycles and failing members into errors.</summary>
    internal static MessagePackSerializerOptions Guarded(MessagePackSerializerOptions? options)
    {
        options ??= ContractlessStandardResolver.Options;
        return options.WithResolver(new GuardedResolver(options.Resolver));
    }

    /// <summary>Encodes a transaction's workspace as one commit payload, on the committing caller.</summary>
    /// <exception cref="ArgumentException">A key or value cannot be encoded.</exception>
    internal byte[] EncodeCommit(WriteSet<TKey, TValue> writes)
    {
        var output = Scratch();
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(writes.Count);
        foreach (var write in writes)
        {
            WriteChecked(ref writer, write.Key, write.Value, write.IsTombstone, write.ExpiresAt);
        }

        writer.Flush();
        return output.Written.ToArray();
    }

    /// <summary>Encodes one write as a whole commit payload.</summary>
    /// <exception cref="ArgumentException">The key or value cannot be encoded.</exception>
    internal byte[] EncodeSingle(TKey key, TValue value, bool isDelete, long expiresAt)
    {
        var output = Scratch();
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(1);
        WriteChecked(ref writer, key, value, isDelete, expiresAt);
        writer.Flush();
        return output.Written.ToArray();
    }

    /// <summary>Encodes one write as a whole commit payload, saying where in it the value's bytes are (empty for a delete).</summary>
    /// <exception cref="ArgumentException">The key or value cannot be encoded.</exception>
    internal byte[] EncodeSingle(TKey key, TValue value, bool isDelete, long expiresAt, out Range valueBytes)
    {
        var payload = EncodeSingle(key, value, isDelete, expiresAt);
        valueBytes = isDelete ? default : ValueStart(payload)..payload.Length;
        return payload;
    }

    // Where a single put's value begins: after the array header, the entry's kind (and deadline) and the key.
    private static int ValueStart(byte[] payload)
    {
        var reader = new MessagePackReader(payload);
        reader.ReadArrayHeader();
        ReadKind(ref reader);
        reader.Skip();
        return (int)reader.Consumed;
    }

    private static ByteBuffer Scratch()
    {
        var scratch = _scratch ??= new ByteBuffer(4096);
        scratch.Reset(1 << 20);
        return scratch;
    }

    // Writes one entry; a key or value that cannot be encoded fails with a message naming it.
    private void WriteChecked(ref MessagePackWriter writer, TKey key, TValue value, bool isDelete, long expiresAt)
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

        try
        {
            MessagePackSerializer.Serialize(ref writer, key, _options);
        }
        catch (Exception e) when (e is MessagePackSerializationException or ValueEncodingException)
        {
            throw EncodingFailure.For(nameof(key), nameof(key), key.GetType(), e);
        }

        if (!isDelete)
        {
            try
            {
                MessagePackSerializer.Serialize(ref writer, value, _options);
            }
            catch (Exception e) when (e is MessagePackSerializationException or ValueEncodingException)
            {
                throw EncodingFailure.For($"value written to key {KeyFormatter.Format(key)}", nameof(value), value!.GetType(), e);
            }
        }
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
        WriteChecked(ref writer, key, value, isDelete, expiresAt);
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

    // Refuse a type MessagePack cannot handle now, at open, instead of at the first commit.
    private void Require<T>(string role)
    {
        try
        {
            _ = ((GuardedResolver)_options.Resolver).Inner.GetFormatterWithVerify<T>();
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

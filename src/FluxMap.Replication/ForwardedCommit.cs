using System.Buffers;
using FluxMap.Serialization;
using MessagePack;

namespace FluxMap.Replication;

/// <summary>
/// A read-write transaction a follower ran on its own snapshot, sent to the leader to validate
/// and commit: the snapshot's commit, every key it read with whether it held a value, every range
/// it scanned with the keys that held one, and its writes as a commit payload. The leader accepts
/// it only if its own transaction reads the same: no key or range read holds a version newer than
/// the follower's snapshot, and the same keys hold values.
/// </summary>
/// <remarks>
/// Versions are compared by "newer than the snapshot", not by equal timestamps: a member that
/// installed a snapshot stamps every key with the snapshot's commit, so the same version can
/// carry different timestamps on two members, but never an older one than its commit.
/// </remarks>
internal sealed class ForwardedCommit<TKey, TValue>
    where TKey : notnull
{
    private ForwardedCommit(long since, List<(TKey Key, bool Live)> points, List<(KeyRange<TKey> Range, List<TKey> Keys)> ranges, byte[]? writes)
    {
        Since = since;
        Points = points;
        Ranges = ranges;
        Writes = writes;
    }

    /// <summary>Gets the commit timestamp of the follower's snapshot.</summary>
    internal long Since { get; }

    internal List<(TKey Key, bool Live)> Points { get; }

    internal List<(KeyRange<TKey> Range, List<TKey> Keys)> Ranges { get; }

    /// <summary>Gets the writes, encoded as the commit log encodes a commit; null for none.</summary>
    internal byte[]? Writes { get; }

    /// <summary>Records what <paramref name="transaction"/> read and wrote, once its body returned.</summary>
    /// <exception cref="ArgumentException">A key or value written cannot be encoded.</exception>
    internal static ForwardedCommit<TKey, TValue> Record(FluxTransaction<TKey, TValue> transaction, WalCodec<TKey, TValue> codec)
    {
        var writes = transaction.WithWrites(codec, static (codec, workspace) => workspace is null ? null : codec.EncodeCommit(workspace));
        var (points, ranges) = transaction.ReadSet();
        return new(
            transaction.Record.Snapshot,
            [.. points.Select(key => (key, transaction.ReadStamp(key).Live))],
            [.. ranges.Select(range => (range, LiveKeys(transaction.ReadStamps(range))))],
            writes);
    }

    /// <summary>
    /// Reads everything the follower read, in <paramref name="transaction"/> on the leader; the
    /// first key that differs, with the commit that changed it (0 when the difference is a value
    /// that expired or a version vacuumed since), or null when every read matches.
    /// </summary>
    internal (TKey Key, long Commit)? FindChange(FluxTransaction<TKey, TValue> transaction, IComparer<TKey> comparer)
    {
        foreach (var (key, live) in Points)
        {
            var (stamp, now) = transaction.ReadStamp(key);
            if (stamp > Since || now != live)
            {
                return (key, stamp > Since ? stamp : 0);
            }
        }

        foreach (var (range, keys) in Ranges)
        {
            var seen = 0;
            foreach (var (key, stamp, live) in transaction.ReadStamps(range))
            {
                if (stamp > Since)
                {
                    return (key, stamp);
                }

                if (live && (seen == keys.Count || comparer.Compare(keys[seen++], key) != 0))
                {
                    return (key, 0);
                }
            }

            if (seen != keys.Count)
            {
                return (keys[seen], 0);
            }
        }

        return null;
    }

    /// <summary>Buffers the follower's writes in <paramref name="transaction"/>.</summary>
    internal void Apply(FluxTransaction<TKey, TValue> transaction, WalCodec<TKey, TValue> codec)
    {
        if (Writes is not null)
        {
            codec.ReadPayload(Writes, 0, (_, key, value, isDelete, expiresAt) => transaction.Stage(key, value, isDelete, expiresAt, CancellationToken.None));
        }
    }

    /// <summary>As MessagePack: <c>[since, [[key, live]...], [[range, [key...]]...], writes|nil]</c>, keys in the database's own encoding.</summary>
    internal byte[] Encode(MessagePackSerializerOptions options)
    {
        var output = new ArrayBufferWriter<byte>(256 + (Writes?.Length ?? 0));
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(4);
        writer.Write(Since);
        writer.WriteArrayHeader(Points.Count);
        foreach (var (key, live) in Points)
        {
            writer.WriteArrayHeader(2);
            MessagePackSerializer.Serialize(ref writer, key, options);
            writer.Write(live);
        }

        writer.WriteArrayHeader(Ranges.Count);
        foreach (var (range, keys) in Ranges)
        {
            writer.WriteArrayHeader(2);
            WriteRange(ref writer, range, options);
            writer.WriteArrayHeader(keys.Count);
            foreach (var key in keys)
            {
                MessagePackSerializer.Serialize(ref writer, key, options);
            }
        }

        writer.Write(Writes);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <exception cref="MessagePackSerializationException">The bytes are no forwarded commit.</exception>
    internal static ForwardedCommit<TKey, TValue> Decode(ReadOnlyMemory<byte> bytes, MessagePackSerializerOptions options)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.ReadArrayHeader() != 4)
        {
            throw new MessagePackSerializationException("A forwarded commit has four fields.");
        }

        var since = reader.ReadInt64();
        var points = new List<(TKey, bool)>();
        for (var count = reader.ReadArrayHeader(); points.Count < count;)
        {
            reader.ReadArrayHeader();
            points.Add((MessagePackSerializer.Deserialize<TKey>(ref reader, options), reader.ReadBoolean()));
        }

        var ranges = new List<(KeyRange<TKey>, List<TKey>)>();
        for (var count = reader.ReadArrayHeader(); ranges.Count < count;)
        {
            reader.ReadArrayHeader();
            var range = ReadRange(ref reader, options);
            var keys = new List<TKey>();
            for (var n = reader.ReadArrayHeader(); keys.Count < n;)
            {
                keys.Add(MessagePackSerializer.Deserialize<TKey>(ref reader, options));
            }

            ranges.Add((range, keys));
        }

        var writes = reader.ReadBytes()?.ToArray();
        return new(since, points, ranges, writes);
    }

    private static List<TKey> LiveKeys(List<(TKey Key, long Stamp, bool Live)> stamps) => [.. stamps.Where(s => s.Live).Select(s => s.Key)];

    // [hasLower, lowerInclusive, lower|nil, hasUpper, upperInclusive, upper|nil]
    private static void WriteRange(ref MessagePackWriter writer, KeyRange<TKey> range, MessagePackSerializerOptions options)
    {
        writer.WriteArrayHeader(6);
        writer.Write(range.HasLower);
        writer.Write(range.LowerInclusive);
        WriteBound(ref writer, range.HasLower, range.Lower, options);
        writer.Write(range.HasUpper);
        writer.Write(range.UpperInclusive);
        WriteBound(ref writer, range.HasUpper, range.Upper, options);
    }

    private static void WriteBound(ref MessagePackWriter writer, bool has, TKey? bound, MessagePackSerializerOptions options)
    {
        if (has)
        {
            MessagePackSerializer.Serialize(ref writer, bound!, options);
        }
        else
        {
            writer.WriteNil();
        }
    }

    private static KeyRange<TKey> ReadRange(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.ReadArrayHeader() != 6)
        {
            throw new MessagePackSerializationException("A forwarded range has six fields.");
        }

        var (hasLower, lowerInclusive) = (reader.ReadBoolean(), reader.ReadBoolean());
        var lower = ReadBound(ref reader, hasLower, options);
        var (hasUpper, upperInclusive) = (reader.ReadBoolean(), reader.ReadBoolean());
        var upper = ReadBound(ref reader, hasUpper, options);
        return (hasLower, hasUpper) switch
        {
            (true, true) => KeyRange<TKey>.Between(lower!, upper!, lowerInclusive, upperInclusive),
            (true, false) => lowerInclusive ? KeyRange<TKey>.AtLeast(lower!) : KeyRange<TKey>.GreaterThan(lower!),
            (false, true) => upperInclusive ? KeyRange<TKey>.AtMost(upper!) : KeyRange<TKey>.LessThan(upper!),
            _ => KeyRange<TKey>.All,
        };
    }

    private static TKey? ReadBound(ref MessagePackReader reader, bool has, MessagePackSerializerOptions options)
    {
        if (has)
        {
            return MessagePackSerializer.Deserialize<TKey>(ref reader, options);
        }

        reader.ReadNil();
        return default;
    }
}

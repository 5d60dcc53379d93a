using MessagePack;

namespace FluxMap.Tool;

/// <summary>
/// A key as the database stores it, one MessagePack item, read without the application's key type.
/// Ordered numbers first (by value), then strings (ordinal, as FluxMap orders string keys), then
/// binary (unsigned bytes), then anything else by its encoding; equal only when encoded alike.
/// </summary>
internal sealed class MessagePackKey(byte[] encoded) : IComparable<MessagePackKey>, IEquatable<MessagePackKey>
{
    internal byte[] Encoded { get; } = encoded;

    internal static MessagePackKey FromString(string key) => new(MessagePackSerializer.Serialize(key));

    public int CompareTo(MessagePackKey? other)
    {
        if (other is null)
        {
            return 1;
        }

        var (kind, otherKind) = (Kind(Encoded), Kind(other.Encoded));
        var order = kind != otherKind ? kind.CompareTo(otherKind) : kind switch
        {
            0 => ((System.Numerics.BigInteger)ReadInteger(Encoded)).CompareTo(ReadInteger(other.Encoded)),
            1 => string.CompareOrdinal(MessagePackSerializer.Deserialize<string>(Encoded), MessagePackSerializer.Deserialize<string>(other.Encoded)),
            2 => MessagePackSerializer.Deserialize<byte[]>(Encoded).AsSpan().SequenceCompareTo(MessagePackSerializer.Deserialize<byte[]>(other.Encoded)),
            _ => 0,
        };
        return order != 0 ? order : Encoded.AsSpan().SequenceCompareTo(other.Encoded);
    }

    public bool Equals(MessagePackKey? other) => other is not null && Encoded.AsSpan().SequenceEqual(other.Encoded);

    public override bool Equals(object? obj) => Equals(obj as MessagePackKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Encoded);
        return hash.ToHashCode();
    }

    public override string ToString() => MessagePackSerializer.ConvertToJson(Encoded);

    private static int Kind(byte[] encoded) => new MessagePackReader(encoded).NextMessagePackType switch
    {
        MessagePackType.Integer => 0,
        MessagePackType.String => 1,
        MessagePackType.Binary => 2,
        _ => 3,
    };

    // uint64 above long.MaxValue is the one integer a long cannot hold.
    private static System.Numerics.BigInteger ReadInteger(byte[] encoded)
    {
        var reader = new MessagePackReader(encoded);
        return encoded[0] == MessagePackCode.UInt64 ? reader.ReadUInt64() : reader.ReadInt64();
    }
}

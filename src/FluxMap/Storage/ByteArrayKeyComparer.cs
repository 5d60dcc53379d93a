namespace FluxMap.Storage;

/// <summary>Orders byte arrays unsigned-lexicographically and hashes their contents.</summary>
internal sealed class ByteArrayKeyComparer : IComparer<byte[]>, IEqualityComparer<byte[]>
{
    internal static readonly ByteArrayKeyComparer Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var hash = default(HashCode);
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}

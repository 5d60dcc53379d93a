using System.Buffers;
using System.Buffers.Text;

namespace FluxMap.Compare.Adapters;

/// <summary>The key and value shapes every store gets: YCSB-style 16-byte keys, 100-byte values.</summary>
internal static class Keys
{
    /// <summary>Bytes in every value (the FeOxDB benchmark's size).</summary>
    public const int ValueSize = 100;

    private const int Digits = 12;
    private static readonly byte[] Prefix = "user"u8.ToArray();

    /// <summary>Bytes in every key.</summary>
    public static int KeySize => Prefix.Length + Digits;

    /// <summary>
    /// The key with ordinal <paramref name="ordinal"/>: "user" and twelve zero-padded digits, so byte
    /// order is numeric order and range scans mean the same thing in every store.
    /// </summary>
    public static byte[] Key(long ordinal)
    {
        var key = new byte[KeySize];
        Prefix.CopyTo(key, 0);
        Utf8Formatter.TryFormat(ordinal, key.AsSpan(Prefix.Length), out _, new StandardFormat('D', Digits));
        return key;
    }

    /// <summary>A value whose bytes depend on <paramref name="seed"/>, so stores cannot dedupe or compress it away.</summary>
    public static byte[] Value(long seed)
    {
        var value = new byte[ValueSize];
        new Random(unchecked((int)seed)).NextBytes(value);
        return value;
    }
}

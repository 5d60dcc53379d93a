namespace FluxMap.Tests;

/// <summary>The random damage the log's fuzz tests inflict on one segment.</summary>
internal static class SegmentDamage
{
    /// <summary>
    /// Flips 1 to <paramref name="maxFlips"/> bits, cuts the file, or zeroes up to 600 bytes, at an
    /// offset mostly among the records (below <paramref name="dataEnd"/>), sometimes after them.
    /// </summary>
    /// <returns>The damaged bytes (a cut returns a shorter array), where the damage starts, and its kind (0 flip, 1 cut, 2 zeroes).</returns>
    internal static (byte[] Bytes, int Offset, int Kind) Inflict(Random random, byte[] bytes, int dataEnd, int maxFlips)
    {
        var offset = random.Next(5) == 0 ? random.Next(dataEnd, bytes.Length) : random.Next(0, dataEnd);
        var kind = random.Next(3);
        switch (kind)
        {
            case 0:
                for (var f = 0; f < 1 + random.Next(maxFlips); f++)
                {
                    bytes[Math.Min(bytes.Length - 1, offset + random.Next(8))] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 1:
                bytes = bytes[..offset];
                break;
            default:
                Array.Clear(bytes, offset, Math.Min(bytes.Length - offset, 1 + random.Next(600)));
                break;
        }

        return (bytes, offset, kind);
    }
}

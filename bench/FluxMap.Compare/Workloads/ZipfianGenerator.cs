namespace FluxMap.Compare.Workloads;

/// <summary>
/// YCSB's scrambled zipfian choice of item (Gray et al., "Quickly generating billion-record
/// synthetic databases", theta 0.99): a few items are hot, and hashing spreads the hot items
/// over the key space instead of clustering them at the low ordinals.
/// </summary>
internal sealed class ZipfianGenerator
{
    private const double Theta = 0.99;
    private readonly long _items;
    private readonly double _zetaN;
    private readonly double _alpha;
    private readonly double _eta;

    /// <summary>Prepares choices among <paramref name="items"/> items (computing zeta is O(items), done once).</summary>
    public ZipfianGenerator(long items)
    {
        _items = items;
        _zetaN = Zeta(items);
        _alpha = 1 / (1 - Theta);
        _eta = (1 - Math.Pow(2.0 / items, 1 - Theta)) / (1 - (Zeta(2) / _zetaN));
    }

    /// <summary>The rank of the next item: 0 is the hottest.</summary>
    public long NextRank(Random random)
    {
        var u = random.NextDouble();
        var uz = u * _zetaN;
        if (uz < 1)
        {
            return 0;
        }

        if (uz < 1 + Math.Pow(0.5, Theta))
        {
            return 1;
        }

        return Math.Min(_items - 1, (long)(_items * Math.Pow((_eta * u) - _eta + 1, _alpha)));
    }

    /// <summary>The next item, hot ranks scattered over 0..items-1 with FNV-1a as YCSB does.</summary>
    public long NextScrambled(Random random) => (long)(Fnv1A((ulong)NextRank(random)) % (ulong)_items);

    private static double Zeta(long n)
    {
        var sum = 0.0;
        for (var i = 1L; i <= n; i++)
        {
            sum += 1 / Math.Pow(i, Theta);
        }

        return sum;
    }

    private static ulong Fnv1A(ulong value)
    {
        var hash = 0xCBF29CE484222325UL;
        for (var i = 0; i < 8; i++)
        {
            hash ^= value & 0xFF;
            hash *= 0x100000001B3UL;
            value >>= 8;
        }

        return hash;
    }
}

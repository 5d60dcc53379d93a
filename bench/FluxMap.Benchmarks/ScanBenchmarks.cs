using BenchmarkDotNet.Attributes;

namespace FluxMap.Benchmarks;

/// <summary>
/// Range scans of 100 consecutive keys from a random start (both bounds inclusive), reading every
/// key and value, against in-memory sorted collections over the same data.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="SortedDictionary{TKey, TValue}"/> cannot seek: its enumerator always starts at the
/// smallest key, so enumerating it "over the same range" would walk on average half a million keys
/// first. It is implemented as a red-black <see cref="SortedSet{T}"/> of key/value pairs ordered by
/// key, and the baseline is exactly that tree, seeked the only way it can be:
/// <see cref="SortedSet{T}.GetViewBetween"/>, then enumerated. That is SortedDictionary's own data
/// structure iterated over the range. (Creating the view also counts its elements once, so the
/// baseline walks the range about twice; it is the honest cost of a ranged read on that tree.)
/// </para>
/// <para>
/// A <see cref="SortedList{TKey, TValue}"/> (sorted arrays: binary search, then index) is shown as
/// the fastest plain sorted collection for reference.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(5)]
public class ScanBenchmarks
{
    private const int RangeLength = 100;
    private const int Starts = 4_096;
    private static readonly int PairChars = BenchmarkData.Key(0).Length + BenchmarkData.Value(0).Length;

    private FluxDatabase<string, string> _db = null!;
    private FluxHandle<string, string> _handle = null!;
    private SortedSet<KeyValuePair<string, string>> _tree = null!;
    private SortedList<string, string> _sortedList = null!;
    private string[] _from = null!;
    private string[] _to = null!;
    private int _cursor;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_db, var keys, var values, var loadOrder) = await BenchmarkData.SetUpAsync();
        _handle = _db.CreateHandle();
        _tree = new SortedSet<KeyValuePair<string, string>>(KeyOrder.Instance);
        foreach (var i in loadOrder)
        {
            _tree.Add(new KeyValuePair<string, string>(keys[i], values[i]));
        }

        // SortedList inserts cost O(n) each out of order; it is built from key order instead.
        _sortedList = new SortedList<string, string>(keys.Length, StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            _sortedList.Add(keys[i], values[i]);
        }

        var random = new Random(BenchmarkData.Seed + 4);
        _from = new string[Starts];
        _to = new string[Starts];
        for (var s = 0; s < Starts; s++)
        {
            var start = random.Next(keys.Length - RangeLength + 1);
            _from[s] = BenchmarkData.Key(start);
            _to[s] = BenchmarkData.Key(start + RangeLength - 1);
        }

        BenchmarkData.Settle();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _db.DisposeAsync();

    [Benchmark(Baseline = true, Description = "SortedDictionary's tree (SortedSet<KVP>.GetViewBetween), 100 keys")]
    public int TreeViewScan()
    {
        var s = Advance();
        var view = _tree.GetViewBetween(new KeyValuePair<string, string>(_from[s], null!), new KeyValuePair<string, string>(_to[s], null!));
        var total = 0;
        foreach (var pair in view)
        {
            total += pair.Key.Length + pair.Value.Length;
        }

        return Check(total);
    }

    [Benchmark(Description = "SortedList binary search + index, 100 keys")]
    public int SortedListScan()
    {
        var s = Advance();
        var to = _to[s];
        var keys = _sortedList.Keys;
        var values = _sortedList.Values;
        var total = 0;
        for (var i = _sortedList.IndexOfKey(_from[s]); i < keys.Count && string.CompareOrdinal(keys[i], to) <= 0; i++)
        {
            total += keys[i].Length + values[i].Length;
        }

        return Check(total);
    }

    [Benchmark(Description = "FluxMap handle.ScanRangeAsync, 100 keys")]
    public async Task<int> FluxMapHandleScan()
    {
        var s = Advance();
        var total = 0;
        await foreach (var pair in _handle.ScanRangeAsync(_from[s], _to[s]))
        {
            total += pair.Key.Length + pair.Value.Length;
        }

        return Check(total);
    }

    [Benchmark(Description = "FluxMap tx.ScanRangeAsync in BeginTransaction + CommitAsync, 100 keys")]
    public async Task<int> FluxMapTransactionScan()
    {
        var s = Advance();
        var total = 0;
        var tx = _handle.BeginTransaction();
        await using (tx)
        {
            await foreach (var pair in tx.ScanRangeAsync(_from[s], _to[s]))
            {
                total += pair.Key.Length + pair.Value.Length;
            }

            await tx.CommitAsync();
        }

        return Check(total);
    }

    // Every scan must see exactly the 100 keys; a wrong count would make the timing meaningless.
    private static int Check(int total) =>
        total == RangeLength * PairChars ? total : throw new InvalidOperationException($"The scan read {total / (double)PairChars} pairs instead of {RangeLength}.");

    private int Advance()
    {
        var s = _cursor;
        _cursor = (s + 1) & (Starts - 1);
        return s;
    }

    private sealed class KeyOrder : IComparer<KeyValuePair<string, string>>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(KeyValuePair<string, string> x, KeyValuePair<string, string> y) =>
            StringComparer.Ordinal.Compare(x.Key, y.Key);
    }
}

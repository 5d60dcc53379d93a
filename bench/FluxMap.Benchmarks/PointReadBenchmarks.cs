using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;

namespace FluxMap.Benchmarks;

/// <summary>
/// Point reads of existing keys in random order: FluxMap's autocommit <c>GetAsync</c> against a
/// <see cref="ConcurrentDictionary{TKey, TValue}"/> (the baseline) and a locked
/// <see cref="SortedDictionary{TKey, TValue}"/>. Each invocation reads <see cref="OpsPerInvoke"/>
/// keys from a precomputed random order, moving on through all one million keys between
/// invocations, so results are per read and the caches are as cold as one million keys make them.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(5)]
public class PointReadBenchmarks
{
    private const int OpsPerInvoke = 1_000;

    private readonly Lock _sortedGate = new();
    private FluxDatabase<string, string> _db = null!;
    private FluxHandle<string, string> _handle = null!;
    private ConcurrentDictionary<string, string> _concurrent = null!;
    private SortedDictionary<string, string> _sorted = null!;
    private string[] _lookups = null!;
    private int _cursor;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_db, var keys, var values, var loadOrder) = await BenchmarkData.SetUpAsync();
        _handle = _db.CreateHandle();
        _concurrent = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        _sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var i in loadOrder)
        {
            _concurrent[keys[i]] = values[i];
            _sorted[keys[i]] = values[i];
        }

        _lookups = BenchmarkData.LookupKeys(BenchmarkData.Permutation(keys.Length, BenchmarkData.Seed + 1));
        BenchmarkData.Settle();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _db.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke, Description = "ConcurrentDictionary.TryGetValue")]
    public int ConcurrentDictionaryGet()
    {
        var start = Advance();
        var total = 0;
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            if (_concurrent.TryGetValue(_lookups[i], out var value))
            {
                total += value.Length;
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "SortedDictionary.TryGetValue under lock")]
    public int SortedDictionaryGet()
    {
        var start = Advance();
        var total = 0;
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            lock (_sortedGate)
            {
                if (_sorted.TryGetValue(_lookups[i], out var value))
                {
                    total += value.Length;
                }
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "FluxMap handle.GetAsync (await)")]
    public async ValueTask<int> FluxMapGetAsync()
    {
        var start = Advance();
        var total = 0;
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            var value = await _handle.GetAsync(_lookups[i]);
            if (value.HasValue)
            {
                total += value.Value.Length;
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "FluxMap handle.GetAsync (sync fast path)")]
    public int FluxMapGetSyncFastPath()
    {
        var start = Advance();
        var total = 0;
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            var pending = _handle.GetAsync(_lookups[i]);
            var value = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            if (value.HasValue)
            {
                total += value.Value.Length;
            }
        }

        return total;
    }

    // The next block of keys; the key count is a multiple of the block size.
    private int Advance()
    {
        var start = _cursor;
        _cursor = start + OpsPerInvoke == _lookups.Length ? 0 : start + OpsPerInvoke;
        return start;
    }
}

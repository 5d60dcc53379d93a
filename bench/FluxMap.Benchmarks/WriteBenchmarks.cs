using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace FluxMap.Benchmarks;

/// <summary>
/// Autocommit writes of existing keys in random order: upserts, and remove-then-insert pairs,
/// against the same operations on a <see cref="ConcurrentDictionary{TKey, TValue}"/>.
/// </summary>
/// <remarks>
/// FluxMap keeps every committed version until vacuum exists, so each write adds a version to the
/// store. To keep that growth small and the same for every iteration, each iteration is a single
/// invocation of <see cref="OpsPerInvoke"/> writes (about 1.5 million writes over the whole run
/// of one benchmark), instead of the pilot-sized millions of invocations of a normal run.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(10)]
[InvocationCount(1, 1)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WriteBenchmarks
{
    private const int OpsPerInvoke = 100_000;

    private FluxDatabase<string, string> _db = null!;
    private FluxHandle<string, string> _handle = null!;
    private ConcurrentDictionary<string, string> _concurrent = null!;
    private string[] _writeKeys = null!;
    private string[] _newValues = null!;
    private int _cursor;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_db, var keys, var values, var loadOrder) = await BenchmarkData.SetUpAsync();
        _handle = _db.CreateHandle();
        _concurrent = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        foreach (var i in loadOrder)
        {
            _concurrent[keys[i]] = values[i];
        }

        var writeOrder = BenchmarkData.Permutation(keys.Length, BenchmarkData.Seed + 2);
        _writeKeys = BenchmarkData.LookupKeys(writeOrder);

        // Each write stores another key's value: a real change, with no allocation in the measured loop.
        _newValues = new string[writeOrder.Length];
        for (var i = 0; i < writeOrder.Length; i++)
        {
            _newValues[i] = values[writeOrder[(i + 1) % writeOrder.Length]];
        }

        BenchmarkData.Settle();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _db.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke, Description = "ConcurrentDictionary[key] = value")]
    [BenchmarkCategory("Upsert")]
    public int ConcurrentDictionaryUpsert()
    {
        var start = Advance();
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            _concurrent[_writeKeys[i]] = _newValues[i];
        }

        return start;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "ConcurrentDictionary.AddOrUpdate")]
    [BenchmarkCategory("Upsert")]
    public int ConcurrentDictionaryAddOrUpdate()
    {
        var start = Advance();
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            _concurrent.AddOrUpdate(_writeKeys[i], static (_, value) => value, static (_, _, value) => value, _newValues[i]);
        }

        return start;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "FluxMap handle.InsertAsync (upsert)")]
    [BenchmarkCategory("Upsert")]
    public async ValueTask<int> FluxMapUpsert()
    {
        var start = Advance();
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            await _handle.InsertAsync(_writeKeys[i], _newValues[i]);
        }

        return start;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke, Description = "ConcurrentDictionary TryRemove + [key] = value (per pair)")]
    [BenchmarkCategory("RemoveInsert")]
    public int ConcurrentDictionaryRemoveInsert()
    {
        var start = Advance();
        var removed = 0;
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            var key = _writeKeys[i];
            if (_concurrent.TryRemove(key, out _))
            {
                removed++;
            }

            _concurrent[key] = _newValues[i];
        }

        return removed;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "FluxMap RemoveAsync + InsertAsync (per pair)")]
    [BenchmarkCategory("RemoveInsert")]
    public async ValueTask<int> FluxMapRemoveInsert()
    {
        var start = Advance();
        var removed = 0;
        for (var i = start; i < start + OpsPerInvoke; i++)
        {
            var key = _writeKeys[i];
            if (await _handle.RemoveAsync(key))
            {
                removed++;
            }

            await _handle.InsertAsync(key, _newValues[i]);
        }

        return removed;
    }

    private int Advance()
    {
        var start = _cursor;
        _cursor = start + OpsPerInvoke == _writeKeys.Length ? 0 : start + OpsPerInvoke;
        return start;
    }
}

using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FluxMap.Benchmarks;

/// <summary>
/// Measures FluxMap's memory overhead per key beyond the key and value objects themselves, for
/// keys with one version each. Run with <c>-- memory [keyCount]</c>.
/// </summary>
/// <remarks>
/// Step 1 puts the keys and values in nothing but two lists of exact capacity; the live heap growth
/// less the lists' own storage is what the keys and values weigh. Step 2 inserts those same key and
/// value objects into a database: everything the heap grows by is FluxMap's. Step 3 checks it the
/// other way round: a fresh database that alone holds freshly made keys and values, less step 1's
/// key and value bytes. Each step runs in its own method so nothing of an earlier step stays
/// reachable from a stack frame.
/// </remarks>
internal static class MemoryOverhead
{
    private const double TargetBytesPerKey = 96;

    // List<T>: object header and method table, _items, _size and _version.
    private const long ListObjectBytes = 32;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var count = args.Count > 0 ? int.Parse(args[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : BenchmarkData.KeyCount;
        Console.WriteLine(BenchmarkData.Describe().Replace($"keys={BenchmarkData.KeyCount:N0}", $"keys={count:N0}", StringComparison.Ordinal));
        Console.WriteLine($"Machine: {Environment.ProcessorCount} logical cores; {RuntimeInformation.OSDescription}; {RuntimeInformation.OSArchitecture}; " +
            $"{RuntimeInformation.FrameworkDescription}; GC: server={GCSettings.IsServerGC}, latency={GCSettings.LatencyMode}");
        var order = BenchmarkData.Permutation(count);

        var shared = await MeasureSharedAsync(count, order);
        var freshOverhead = await MeasureFreshAsync(count, order, shared.KeyValueBytes);

        Console.WriteLine();
        Console.WriteLine($"Keys (one version each):                       {count:N0}, inserted in random order with autocommit InsertAsync");
        Console.WriteLine($"Key + value objects (step 1, lists excluded):  {(double)shared.KeyValueBytes / count:F1} B/key (strings \"{BenchmarkData.Key(0)}\" and \"{BenchmarkData.Value(0)}\")");
        Console.WriteLine($"FluxMap overhead, shared key/value objects:    {shared.OverheadPerKey:F1} B/key (live heap growth {shared.HeapGrowth:N0} B)");
        Console.WriteLine($"FluxMap overhead, fresh database cross-check:  {freshOverhead:F1} B/key");
        Console.WriteLine($"Allocated while inserting (incl. garbage):     {shared.AllocatedPerKey:F1} B/key");
        Console.WriteLine($"Target <= {TargetBytesPerKey} B/key overhead:                    {(shared.OverheadPerKey <= TargetBytesPerKey ? "MET" : "NOT MET")} ({shared.OverheadPerKey:F1} B/key)");
        return 0;
    }

    // Steps 1 and 2.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<SharedResult> MeasureSharedAsync(int count, int[] order)
    {
        var start = GC.GetTotalMemory(forceFullCollection: true);
        var keys = new List<string>(count);
        var values = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            keys.Add(BenchmarkData.Key(i));
            values.Add(BenchmarkData.Value(i));
        }

        var withLists = GC.GetTotalMemory(forceFullCollection: true);
        var keyValueBytes = withLists - start - (2 * (ListObjectBytes + ReferenceArrayBytes(count)));

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var beforeDb = GC.GetTotalMemory(forceFullCollection: true);
        var db = await FluxDatabase.OpenAsync<string, string>();
        var handle = db.CreateHandle();
        foreach (var i in order)
        {
            await handle.InsertAsync(keys[i], values[i]);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var withDb = GC.GetTotalMemory(forceFullCollection: true);
        await CheckAsync(handle, keys, values);
        GC.KeepAlive(keys);
        GC.KeepAlive(values);
        await db.DisposeAsync();
        return new SharedResult(keyValueBytes, withDb - beforeDb, (double)(withDb - beforeDb) / count, (double)allocated / count);
    }

    // Step 3.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<double> MeasureFreshAsync(int count, int[] order, long keyValueBytes)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var db = await FluxDatabase.OpenAsync<string, string>();
        var handle = db.CreateHandle();
        foreach (var i in order)
        {
            await handle.InsertAsync(BenchmarkData.Key(i), BenchmarkData.Value(i));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(handle);
        await db.DisposeAsync();
        return (double)(after - before - keyValueBytes) / count;
    }

    // A reference array: header, method table, length (padded), then one pointer per element.
    private static long ReferenceArrayBytes(int length) => 24 + (8L * length);

    private static async Task CheckAsync(FluxHandle<string, string> handle, List<string> keys, List<string> values)
    {
        foreach (var i in new[] { 0, keys.Count / 2, keys.Count - 1 })
        {
            var found = await handle.GetAsync(keys[i]);
            if (!found.HasValue || !ReferenceEquals(found.Value, values[i]))
            {
                throw new InvalidOperationException($"Key {keys[i]} did not read back its value.");
            }
        }
    }

    private readonly record struct SharedResult(long KeyValueBytes, long HeapGrowth, double OverheadPerKey, double AllocatedPerKey);
}

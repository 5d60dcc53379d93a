using System.Globalization;
using System.Runtime.InteropServices;

namespace FluxMap.Benchmarks;

/// <summary>The shared data set: one million string keys with short string values, and fixed random orders.</summary>
internal static class BenchmarkData
{
    /// <summary>Keys in every data set.</summary>
    public const int KeyCount = 1_000_000;

    /// <summary>Seed for every shuffle, so each benchmark process sees the same orders.</summary>
    public const int Seed = 20_251_123;

    /// <summary>The one-line description printed beside every result.</summary>
    public static string Describe() =>
        $"FluxMap benchmark: mode=in-memory, TKey=string (e.g. \"{Key(123456)}\", {Key(0).Length} chars), " +
        $"TValue=string (e.g. \"{Value(123456)}\", {Value(0).Length} chars), keys={KeyCount:N0}, threads=1 (single-threaded calls), " +
        $"machine: {Machine()}";

    /// <summary>The machine and runtime the figures come from.</summary>
    public static string Machine() =>
        $"{Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, " +
        $"{RuntimeInformation.FrameworkDescription}, ServerGC={System.Runtime.GCSettings.IsServerGC}";

    /// <summary>The 1, 5 and 15 minute load averages and the running/total tasks (/proc/loadavg), printed beside a run on a shared machine.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    /// <summary>The key with ordinal <paramref name="i"/>; ordinal order is numeric order.</summary>
    public static string Key(int i) => string.Create(CultureInfo.InvariantCulture, $"key:{i:D10}");

    /// <summary>The value first stored under key <paramref name="i"/>.</summary>
    public static string Value(int i) => string.Create(CultureInfo.InvariantCulture, $"val:{i:D10}");

    /// <summary>Keys 0 to <paramref name="count"/> - 1, in key order.</summary>
    public static string[] Keys(int count = KeyCount)
    {
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = Key(i);
        }

        return keys;
    }

    /// <summary>Values 0 to <paramref name="count"/> - 1.</summary>
    public static string[] Values(int count = KeyCount)
    {
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = Value(i);
        }

        return values;
    }

    /// <summary>A fixed random permutation of 0 to <paramref name="count"/> - 1.</summary>
    public static int[] Permutation(int count, int seed = Seed)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        new Random(seed).Shuffle(order);
        return order;
    }

    /// <summary>
    /// Lookup keys in random order, as fresh string instances equal to the stored keys: a caller's
    /// key rarely is the very object the map holds, so equality has to compare characters.
    /// </summary>
    public static string[] LookupKeys(int[] order)
    {
        var keys = new string[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            keys[i] = Key(order[i]);
        }

        return keys;
    }

    /// <summary>Every benchmark's setup: prints the conditions, builds the data and a loaded database.</summary>
    public static async Task<(FluxDatabase<string, string> Db, string[] Keys, string[] Values, int[] LoadOrder)> SetUpAsync()
    {
        Console.WriteLine(Describe());
        var keys = Keys();
        var values = Values();
        var loadOrder = Permutation(keys.Length);
        return (await OpenLoadedAsync(keys, values, loadOrder), keys, values, loadOrder);
    }

    /// <summary>Opens an in-memory database and loads every key in <paramref name="order"/> with autocommit inserts.</summary>
    public static async Task<FluxDatabase<string, string>> OpenLoadedAsync(string[] keys, string[] values, int[] order, FluxMapOptions? options = null)
    {
        var db = await FluxDatabase.OpenAsync<string, string>(options);
        var handle = db.CreateHandle();
        foreach (var i in order)
        {
            await handle.InsertAsync(keys[i], values[i]);
        }

        return db;
    }

    /// <summary>Collects garbage left by the setup so it is not billed to the first measured iterations.</summary>
    public static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}

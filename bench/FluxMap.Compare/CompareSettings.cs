using FluxMap.Compare.Workloads;

namespace FluxMap.Compare;

/// <summary>Everything a run depends on; printed in the report.</summary>
internal sealed record CompareSettings
{
    /// <summary>Records loaded for YCSB and the range scans.</summary>
    public long Records { get; init; } = 1_000_000;

    /// <summary>Operations per YCSB, scan, transfer and durable-commit table (each also stops at <see cref="MaxCellDuration"/>).</summary>
    public long Operations { get; init; } = 1_000_000;

    /// <summary>Key counts of the FeOxDB tables.</summary>
    public IReadOnlyList<long> KeyCounts { get; init; } = [1_000, 100_000, 1_000_000];

    /// <summary>Threads for YCSB, scans and transfers.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Concurrent writers of the durable-commit tables.</summary>
    public IReadOnlyList<int> Writers { get; init; } = [1, 8, 64];

    /// <summary>Accounts of the transfer table: few, so transfers contend.</summary>
    public long Accounts { get; init; } = 100;

    /// <summary>Distinct keys the durable-commit writers upsert.</summary>
    public long DurableKeys { get; init; } = 10_000;

    /// <summary>YCSB key distributions.</summary>
    public IReadOnlyList<KeyDistribution> Distributions { get; init; } = [KeyDistribution.Uniform, KeyDistribution.Zipfian];

    /// <summary>Time limit of one table row.</summary>
    public TimeSpan MaxCellDuration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Untimed reads and rewrites after each load, long enough for tiered compilation to promote
    /// the hot paths (it waits for 100 ms without new methods before it starts).
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Longest wait for one store's background work before a row (it usually takes milliseconds,
    /// seconds after a large load); a row whose stores did not settle in time runs anyway and says so.
    /// </summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether every selected store first runs every workload once on tiny sizes, untimed, so the
    /// JIT has compiled the harness's and each store's hot paths before anything is measured
    /// (without it, the first store in the process pays for them).
    /// </summary>
    public bool Rehearse { get; init; } = true;

    /// <summary>4 KiB appends timed for the fsync latency.</summary>
    public int FsyncSamples { get; init; } = 200;

    /// <summary>Store ids to run; empty runs all.</summary>
    public IReadOnlyList<string> Stores { get; init; } = [];

    /// <summary>Workload id prefixes to run; empty runs all.</summary>
    public IReadOnlyList<string> Workloads { get; init; } = [];

    /// <summary>Where the report and charts go.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("docs", "benchmarks");

    /// <summary>Where the stores keep their files (removed afterwards).</summary>
    public string DataDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "fluxmap-compare");

    /// <summary>Whether to draw PNG charts.</summary>
    public bool Charts { get; init; } = true;

    /// <summary>Seed of every random choice, so runs repeat.</summary>
    public int Seed { get; init; } = 20_251_123;

    /// <summary>The command line that produced the run, for the report.</summary>
    public string Command { get; init; } = "";

    /// <summary>These settings shrunk for the rehearsal: the same stores and workloads, small data, 0.1 s rows.</summary>
    public CompareSettings Rehearsal() => this with
    {
        Records = Math.Min(Records, 2_000),
        Operations = Math.Min(Operations, 2_000),
        KeyCounts = [Math.Min(KeyCounts.Min(), 1_000)],
        DurableKeys = Math.Min(DurableKeys, 1_000),
        MaxCellDuration = TimeSpan.FromMilliseconds(Math.Min(MaxCellDuration.TotalMilliseconds, 100)),
        WarmUp = TimeSpan.Zero,
        Rehearse = false,
    };

    /// <summary>The smoke run: small sizes, short rows, every store and workload, well under two minutes.</summary>
    public static CompareSettings Quick { get; } = new()
    {
        Records = 10_000,
        Operations = 20_000,
        KeyCounts = [1_000],
        DurableKeys = 1_000,
        MaxCellDuration = TimeSpan.FromMilliseconds(150),
        FsyncSamples = 50,
    };
}

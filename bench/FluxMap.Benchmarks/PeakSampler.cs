namespace FluxMap.Benchmarks;

/// <summary>
/// Samples a database's statistics and the GC heap every 100 ms while a load runs, keeping the
/// peaks. Statistics are taken under the commit lock when a memory limit is set; ten times a
/// second costs nothing measurable.
/// </summary>
internal sealed class PeakSampler : PeriodicSampler
{
    private readonly FluxDatabase<string, string> _db;

    public PeakSampler(FluxDatabase<string, string> db)
    {
        _db = db;
        Start();
    }

    /// <summary>Gets the peaks so far; read after <see cref="PeriodicSampler.DisposeAsync"/> for the whole load.</summary>
    public Figures Peaks { get; private set; }

    protected override void Sample()
    {
        var statistics = _db.GetStatistics();
        Peaks = new Figures(
            Math.Max(Peaks.Versions, statistics.Versions),
            Math.Max(Peaks.HeapBytes, GC.GetTotalMemory(forceFullCollection: false)),
            Math.Max(Peaks.LiveMemoryBytes, statistics.LiveMemoryBytes ?? 0),
            Math.Max(Peaks.MemoryBytes, statistics.MemoryBytes ?? 0));
    }

    /// <summary>Peak figures of one load; a value apart from the sampler, so keeping it does not keep the database alive.</summary>
    /// <param name="Versions">The most versions held.</param>
    /// <param name="HeapBytes">The largest <c>GC.GetTotalMemory(false)</c>: live objects plus garbage not yet collected.</param>
    /// <param name="LiveMemoryBytes">The largest estimated live bytes; zero without a memory limit.</param>
    /// <param name="MemoryBytes">The largest estimated bytes including versions kept for snapshots and tombstones; zero without a memory limit.</param>
    public readonly record struct Figures(long Versions, long HeapBytes, long LiveMemoryBytes, long MemoryBytes);
}

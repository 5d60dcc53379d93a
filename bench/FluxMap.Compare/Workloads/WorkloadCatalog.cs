using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>Builds the phases and workloads a run's settings ask for.</summary>
internal static class WorkloadCatalog
{
    private static readonly FeoxOperation[] FeoxOrder = [FeoxOperation.Get, FeoxOperation.Mixed, FeoxOperation.Insert, FeoxOperation.Delete];
    private const string YcsbOrder = "CBAFDE";

    /// <summary>The phases, each holding only selected workloads; phases left empty are dropped.</summary>
    public static IReadOnlyList<Phase> Build(CompareSettings settings)
    {
        var phases = new List<Phase>();
        foreach (var count in settings.KeyCounts)
        {
            var keys = new KeySpace(count, count);
            Add(phases, settings, $"feox-{count}", keys, Copy, [.. FeoxOrder.Select(operation => new FeoxWorkload(operation, keys, settings.Seed))]);
        }

        var records = new KeySpace(settings.Records, 0);
        var zipfian = new Lazy<ZipfianGenerator>(() => new ZipfianGenerator(settings.Records));
        var ycsb = settings.Distributions.SelectMany(distribution => YcsbOrder.Select(letter =>
            (Workload)new YcsbWorkload(letter, distribution, records, zipfian, settings.Threads, settings.Operations)));
        Add(phases, settings, "ycsb", records, Copy, [.. ycsb, new ScanWorkload(records, 100, settings.Threads, settings.Operations)]);

        var accounts = new KeySpace(settings.Accounts, 0);
        Add(phases, settings, "transfer", accounts, _ => Account.Create(TransferWorkload.InitialBalance),
            [new TransferWorkload(accounts, settings.Threads, settings.Operations)]);

        var durable = new KeySpace(0, settings.DurableKeys);
        Add(phases, settings, "durable", durable, Copy,
            [.. settings.Writers.Select(writers => new DurableCommitWorkload(durable, writers, settings.Operations))]);
        return phases;
    }

    // Loaded values are copies, so stores that keep references hold as many arrays as stores that copy.
    private static byte[] Copy(long ordinal) => ValuePool.For(ordinal).AsSpan().ToArray();

    private static void Add(List<Phase> phases, CompareSettings settings, string name, KeySpace keys, Func<long, byte[]> values, IEnumerable<Workload> workloads)
    {
        var selected = workloads.Where(workload => Selected(settings, workload.Id)).ToList();
        if (selected.Count > 0)
        {
            phases.Add(new Phase(name, keys, values, selected));
        }
    }

    private static bool Selected(CompareSettings settings, string id) =>
        settings.Workloads.Count == 0 || settings.Workloads.Any(filter => id.StartsWith(filter, StringComparison.OrdinalIgnoreCase));
}

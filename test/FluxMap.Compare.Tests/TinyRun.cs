using FluxMap.Compare.Reporting;
using FluxMap.Compare.Workloads;

namespace FluxMap.Compare.Tests;

/// <summary>One run of the harness on tiny sizes, shared by the tests that read its report.</summary>
public sealed class TinyRun : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("fluxmap-compare-test-").FullName;

    /// <summary>The in-memory peers, FluxMap in every mode and SQLite in both: no native library beyond SQLite's.</summary>
    internal static IReadOnlyList<string> Stores { get; } =
        ["fluxmap-inmemory", "fluxmap-relaxed", "fluxmap-full", "concurrent-dictionary", "sorted-dictionary", "sqlite-normal", "sqlite-full"];

    /// <summary>Where the report went.</summary>
    internal string Output => Path.Combine(_root, "out");

    /// <summary>What the run measured.</summary>
    internal CompareReport Report { get; private set; } = null!;

    /// <summary>Settings small enough for seconds, covering every kind of workload.</summary>
    internal CompareSettings Settings(string output) => new()
    {
        Records = 300,
        Operations = 300,
        KeyCounts = [200],
        Accounts = 20,
        DurableKeys = 100,
        Writers = [1, 8],
        Distributions = [KeyDistribution.Zipfian],
        MaxCellDuration = TimeSpan.FromMilliseconds(40),
        WarmUp = TimeSpan.Zero,
        FsyncSamples = 5,
        Stores = Stores,
        Workloads = ["feox-get", "feox-delete", "ycsb-a", "ycsb-e", "scan", "transfer", "durable"],
        OutputDirectory = output,
        DataDirectory = Path.Combine(_root, "data"),
        Command = "test",
    };

    public async ValueTask InitializeAsync() => Report = await CompareRunner.RunAsync(Settings(Output), new RecordingObserver());

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}

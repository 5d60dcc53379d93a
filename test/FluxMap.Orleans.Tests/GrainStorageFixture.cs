using FluxMap.Grains;
using Orleans.TestingHost;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// One single-silo cluster shared by the tests of a collection (a deploy costs seconds on this
/// machine). Sound to share: every test uses grain ids of its own, and tests of one collection run
/// one at a time, so the fault switch belongs to one test at a time.
/// </summary>
public sealed class GrainStorageFixture : IAsyncLifetime
{
    /// <summary>The FluxMap provider's name: the one the OrleansBank sample's account grains, tested here too, name.</summary>
    internal const string Provider = "bank";

    private readonly TempDirectory _directory = new();

    internal InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>The step of a transactional Store to fail at, or null to fail nowhere.</summary>
    internal string? FailAt { get; set; }

    /// <summary>How many Store calls the fault has failed.</summary>
    internal int Failures => _failures;

    private int _failures;

    public async ValueTask InitializeAsync()
    {
        Cluster = TestClusters.Build(_directory.Path, faults: new StoreFaultInjector(step =>
        {
            if (step == FailAt)
            {
                Interlocked.Increment(ref _failures);
                throw new IOException($"Injected failure at '{step}'.");
            }
        }));
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _directory.Dispose();
    }
}

[CollectionDefinition(nameof(SharedCluster))]
public sealed class SharedCluster : ICollectionFixture<GrainStorageFixture>;

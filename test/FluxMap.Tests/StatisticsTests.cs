using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>Statistics and the "FluxMap" meter count what happened.</summary>
public sealed class StatisticsTests
{
    [Fact]
    public async Task Commits_aborts_and_retries_are_counted()
    {
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.InsertAsync("a", 1, Ct);
        await handle.InsertAsync("b", 2, Ct);
        await handle.RemoveAsync("b", Ct);

        // Two transactions write the same key: the second to commit loses (first committer wins).
        await using (var first = handle.BeginTransaction())
        await using (var second = handle.BeginTransaction())
        {
            await first.InsertAsync("a", 10, Ct);
            await second.InsertAsync("a", 20, Ct);
            await first.CommitAsync(Ct);
            await Assert.ThrowsAsync<SerializationConflictException>(async () => await second.CommitAsync(Ct));
        }

        // A body that conflicts once, then commits.
        var attempts = 0;
        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                await tx.GetAsync("a", ct);
                if (++attempts == 1)
                {
                    await handle.InsertAsync("a", 30, ct);
                }

                await tx.InsertAsync("a", 40, ct);
            },
            Ct);

        var stats = db.Db.GetStatistics();
        Assert.Equal(2, stats.Reads);
        Assert.Equal(6, stats.Commits);
        Assert.Equal(2, stats.WriteWriteAborts);
        Assert.Equal(0, stats.ReadWriteAborts);
        Assert.Equal(1, stats.Retries);
        Assert.Equal(1, stats.Count);
        Assert.Null(stats.MemoryBytes);
        Assert.Equal(0, stats.WalBytes);
        Assert.Equal(FluxHealthStatus.Healthy, db.Db.GetHealth().Status);
    }

    [Fact]
    public async Task The_meter_reports_the_same_figures_tagged_with_the_database_name_once()
    {
        using var dir = new TempDirectory();
        var options = new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = dir.Path, UseDataFile = false };
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithName("orders").OpenAsync(Ct);
        var meter = db.Engine.Metrics.Meter;
        using var commits = new MetricCollector<long>(meter, "fluxmap.commits");
        using var keys = new MetricCollector<long>(meter, "fluxmap.keys");
        using var reads = new MetricCollector<long>(meter, "fluxmap.reads");
        using var commitDuration = new MetricCollector<double>(meter, "fluxmap.commit.duration");
        using var syncDuration = new MetricCollector<double>(meter, "fluxmap.wal.sync.duration");
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, Ct);
        await handle.InsertAsync("b", 1, Ct);
        await handle.GetAsync("a", Ct);

        foreach (var collector in new[] { commits, keys, reads })
        {
            collector.RecordObservableInstruments();
        }

        Assert.Equal((2, 2, 1), (commits.LastMeasurement!.Value, keys.LastMeasurement!.Value, reads.LastMeasurement!.Value));

        // dotnet-counters shows a meter's tags beside each measurement's: the name belongs to one of them.
        Assert.DoesNotContain(meter.Tags ?? [], tag => tag.Key == "fluxmap.database");
        Assert.All(
            [commits.LastMeasurement.Tags, keys.LastMeasurement.Tags, reads.LastMeasurement.Tags, commitDuration.LastMeasurement!.Tags, syncDuration.LastMeasurement!.Tags],
            tags => Assert.Equal("orders", tags["fluxmap.database"]));

        // Durations in seconds, as OpenTelemetry's conventions have them.
        Assert.Equal(("s", "s"), (commitDuration.Instrument!.Unit, syncDuration.Instrument!.Unit));
        Assert.Equal(2, commitDuration.GetMeasurementSnapshot().Count);
        Assert.All(commitDuration.GetMeasurementSnapshot().Concat(syncDuration.GetMeasurementSnapshot()), m => Assert.InRange(m.Value, 0, 10));
    }

    [Fact]
    public async Task Databases_sharing_a_meter_report_side_by_side_until_each_closes()
    {
        using var factory = new OneMeterFactory();
        var orders = await FluxDatabase.CreateBuilder<string, int>().WithName("orders").WithMeterFactory(factory).OpenAsync(Ct);
        await using var stock = await FluxDatabase.CreateBuilder<string, int>().WithName("stock").WithMeterFactory(factory).OpenAsync(Ct);
        using var commits = new MetricCollector<long>(orders.Engine.Metrics.Meter, "fluxmap.commits");
        await orders.CreateHandle().InsertAsync("a", 1, Ct);
        await orders.CreateHandle().InsertAsync("b", 1, Ct);
        await stock.CreateHandle().InsertAsync("a", 1, Ct);

        Assert.Same(orders.Engine.Metrics.Meter, stock.Engine.Metrics.Meter);
        Assert.Equal(new Dictionary<string, long> { ["orders"] = 2, ["stock"] = 1 }, Observe(commits));
        await orders.DisposeAsync();
        Assert.Equal(new Dictionary<string, long> { ["stock"] = 1 }, Observe(commits));

        static Dictionary<string, long> Observe(MetricCollector<long> collector)
        {
            collector.Clear();
            collector.RecordObservableInstruments();
            return collector.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["fluxmap.database"]!, m => m.Value);
        }
    }

    [Fact]
    public async Task Databases_opened_at_once_on_one_meter_publish_each_instrument_once()
    {
        // A second set of instruments made by a racing open stayed on the meter with nobody
        // reporting through it, and a listener binding the first instrument of a name saw nothing.
        using var factory = new OneMeterFactory();
        using var start = new Barrier(8);
        var databases = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(
            async () =>
            {
                start.SignalAndWait(Ct);
                return await FluxDatabase.CreateBuilder<string, int>().WithName($"db{i}").WithMeterFactory(factory).OpenAsync(Ct);
            },
            Ct)));
        try
        {
            var published = new List<string>();
            using (var listener = new MeterListener())
            {
                listener.InstrumentPublished = (instrument, _) =>
                {
                    if (instrument.Meter == databases[0].Engine.Metrics.Meter)
                    {
                        published.Add(instrument.Name);
                    }
                };
                listener.Start();
            }

            Assert.NotEmpty(published);
            Assert.Equal(published.Distinct().Order(), published.Order());
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    [Fact]
    public void The_readme_lists_every_instrument()
    {
        var instruments = new List<string>();
        using var metrics = new FluxMap.Diagnostics.FluxMetrics(null, "readme", new FluxMap.Diagnostics.EngineCounters(), () => null);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter == metrics.Meter)
                {
                    instruments.Add(instrument.Name);
                }
            },
        };
        listener.Start();
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

        Assert.NotEmpty(instruments);
        Assert.All(instruments, name => Assert.Contains($"`{name}`", readme, StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "FluxMap.sln")))
        {
            directory = directory.Parent ?? throw new InvalidOperationException($"No FluxMap.sln above {AppContext.BaseDirectory}.");
        }

        return directory.FullName;
    }

    [Fact]
    public async Task Memory_is_measured_as_the_limit_counts_it_and_values_are_sized()
    {
        await using var limited = await FluxDatabase.OpenAsync<string, string>(new FluxMapOptions { MemoryLimit = 1L << 30, VacuumInterval = TimeSpan.Zero }, Ct);
        var handle = limited.CreateHandle();
        for (var i = 0; i < 100; i++)
        {
            await handle.InsertAsync($"k{i}", new string('v', i), Ct);
        }

        await handle.InsertAsync("k5", "changed", Ct);
        Assert.Equal(limited.GetStatistics().MemoryBytes, await limited.MeasureMemoryAsync(Ct));

        // A string of n characters: a 22-byte object header and length plus 2 bytes a character, 8-aligned.
        Assert.Equal(24 + 80, (await handle.GetValueSizeAsync("k40", Ct)).Value);
        Assert.False((await handle.GetValueSizeAsync("missing", Ct)).HasValue);
    }

    /// <summary>Hands every database the same meter, as a host's factory does.</summary>
    private sealed class OneMeterFactory : IMeterFactory
    {
        private readonly Lock _gate = new();
        private Meter? _meter;

        public Meter Create(MeterOptions options)
        {
            lock (_gate)
            {
                return _meter ??= new Meter(options);
            }
        }

        public void Dispose() => _meter?.Dispose();
    }
}

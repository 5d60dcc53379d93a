using FluxMap.Maintenance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.Maintenance;

/// <summary>Background services run on the database's clock, survive a failed round and stop with the database.</summary>
public sealed class BackgroundServiceTests
{
    [Fact]
    public async Task Auto_vacuum_runs_on_the_database_clock_and_stops_with_the_database()
    {
        var clock = new FakeTimeProvider();
        var db = await FluxDatabase.CreateBuilder<string, int>()
            .WithOptions(new FluxMapOptions { VacuumInterval = TimeSpan.FromSeconds(5), ExpirationSweepInterval = TimeSpan.Zero })
            .WithTimeProvider(clock)
            .OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("gone", 1, Ct);
        await handle.RemoveAsync("gone", Ct);
        Assert.Equal(1, db.Engine.Store.Count);

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, db.GetStatistics().VacuumRuns);

        clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => db.GetStatistics().VacuumRuns == 1);
        Assert.Equal(0, db.Engine.Store.Count);

        // Nothing left to reclaim: automatic rounds skip the walk until a write leaves something.
        Assert.False(db.Engine.VacuumHasWork);
        await handle.InsertAsync("kept", 1, Ct);
        Assert.False(db.Engine.VacuumHasWork);
        await handle.InsertAsync("kept", 2, Ct);
        Assert.True(db.Engine.VacuumHasWork);
        await db.VacuumAsync(Ct);
        Assert.False(db.Engine.VacuumHasWork);

        var service = Assert.Single(db.Engine.Services);
        await db.DisposeAsync();
        Assert.True(service.ExecuteTask!.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, db.GetStatistics().VacuumRuns);
    }

    [Fact]
    public async Task A_failed_round_is_logged_reported_and_followed_by_the_next()
    {
        var clock = new FakeTimeProvider();
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        var rounds = 0;
        using var service = new PeriodicService(
            "test: flaky",
            TimeSpan.FromSeconds(1),
            _ => ++rounds == 1 ? throw new InvalidOperationException("round one broke") : default,
            clock,
            loggerFactory.CreateLogger("test"));
        await service.StartAsync(Ct);

        clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => service.Fault is not null);
        Assert.Equal("round one broke", service.Fault!.Message);
        var logged = Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains("test: flaky", logged.Message, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => rounds == 2);
        await UntilAsync(() => service.Fault is null);
        await service.StopAsync(Ct);
        Assert.True(service.ExecuteTask!.IsCompletedSuccessfully);
    }

    // Background rounds run on the thread pool once the fake clock fires; wait for their effect
    // by yielding, bounded by the test's own cancellation.
    private static async Task UntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            Ct.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }
}

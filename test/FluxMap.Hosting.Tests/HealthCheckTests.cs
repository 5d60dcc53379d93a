using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static FluxMap.Hosting.Tests.TestHost;

namespace FluxMap.Hosting.Tests;

/// <summary>The FluxMap health check, driven into each state by what really causes it.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task A_working_database_is_healthy_and_reports_its_memory_and_log_lag()
    {
        var builder = CreateBuilder();
        builder.Services.AddFluxMap<string, string>(options => options.MemoryLimit = 1 << 20);
        builder.Services.AddHealthChecks().AddFluxMap<string, string>();
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var beforeStart = (await health.CheckHealthAsync(Ct)).Entries["fluxmap"];
        await host.StartAsync(Ct);
        await host.Services.GetRequiredService<FluxHandle<string, string>>().InsertAsync("key", "value", Ct);
        var entry = (await health.CheckHealthAsync(Ct)).Entries["fluxmap"];

        Assert.Equal(HealthStatus.Unhealthy, beforeStart.Status);
        Assert.Equal("The database 'default' is not open: the host has not started.", beforeStart.Description);
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(1L, entry.Data["keys"]);
        Assert.True((long)entry.Data["memory_bytes"] > 0);
        Assert.Equal(1L << 20, entry.Data["memory_limit_bytes"]);
        Assert.Equal(0L, entry.Data["wal_unsynced_commits"]);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_failing_background_service_makes_the_database_degraded()
    {
        var clock = new ServiceClock();
        var log = new EventLog();
        var keys = new FailingComparer();
        var builder = CreateBuilder(log: log, clock: clock);
        builder.Services.AddFluxMap<string, int>(options => options.VacuumInterval = TimeSpan.FromSeconds(1), database => database.WithComparer(keys));
        builder.Services.AddHealthChecks().AddFluxMap<string, int>(tags: ["ready"]);
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var handle = host.Services.GetRequiredService<FluxHandle<string, int>>();
        await handle.InsertAsync("a", 1, Ct);
        await handle.InsertAsync("b", 2, Ct);
        await handle.RemoveAsync("a", Ct);

        // Vacuum unlinks the deleted key, ordering it with a comparer that now throws.
        keys.Fail = true;
        var failed = log.WhenLogged(EventIds.BackgroundServiceFailed);
        await clock.PeriodicTimerCreated.WaitAsync(Patience, Ct);
        clock.Advance(TimeSpan.FromSeconds(1));
        await failed.WaitAsync(Patience, Ct);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(check => check.Tags.Contains("ready"), Ct);

        var entry = report.Entries["fluxmap"];
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal("The background service 'default: vacuum' failed: the comparer failed", entry.Description);
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.Equal(2, (await handle.GetAsync("b", Ct)).Value);
        keys.Fail = false;
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_database_that_failed_closed_is_unhealthy()
    {
        using var dir = new TempDirectory();
        var builder = CreateBuilder();
        builder.Services.AddKeyedFluxMap<string, string>("orders", options =>
        {
            options.Durability = DurabilityMode.Full;
            options.DataDirectory = dir.Path;
            options.WalSegmentSize = 64 * 1024;
        });
        builder.Services.AddHealthChecks().AddKeyedFluxMap<string, string>("orders");
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var handle = host.Services.GetRequiredKeyedService<FluxHandle<string, string>>("orders");
        await handle.InsertAsync("small", "fits in the first segment", Ct);

        // The next record needs a new segment, in a directory that is gone.
        Directory.Delete(dir.Path, recursive: true);
        await Assert.ThrowsAsync<FluxMapIOException>(async () => await handle.InsertAsync("large", new string('x', 100_000), Ct));
        var entry = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct)).Entries["fluxmap-orders"];

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("The database 'orders' failed closed and acknowledges no more commits", entry.Description);
        Assert.IsType<FluxMapIOException>(entry.Exception);
        Assert.Equal("fits in the first segment", (await handle.GetAsync("small", Ct)).Value);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_check_of_a_database_that_is_not_registered_says_how_to_register_it()
    {
        var builder = CreateBuilder();
        builder.Services.AddHealthChecks().AddKeyedFluxMap<string, int>("orders");
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => health.CheckHealthAsync(Ct));
        Assert.Equal("The health check 'fluxmap-orders' needs a FluxDatabase<string, int> registered with AddKeyedFluxMap under 'orders'.", e.Message);
    }

    /// <summary>Ordinal order, until a test makes it throw.</summary>
    private sealed class FailingComparer : IComparer<string>, IEqualityComparer<string>
    {
        public volatile bool Fail;

        public int Compare(string? x, string? y) => Fail ? throw new InvalidOperationException("the comparer failed") : string.CompareOrdinal(x, y);

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(obj);
    }
}

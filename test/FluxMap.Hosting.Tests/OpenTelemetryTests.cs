using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using static FluxMap.Hosting.Tests.TestHost;

namespace FluxMap.Hosting.Tests;

/// <summary>
/// The README's OpenTelemetry setup: AddSource("FluxMap") and AddMeter("FluxMap") collect a hosted
/// database's activities and metrics. A tracer provider hears the whole process, and its in-memory
/// exporter's list is not thread-safe, so these tests run alone.
/// </summary>
[Collection(nameof(OpenTelemetryTests))]
public sealed class OpenTelemetryTests
{
    [Fact]
    public async Task AddSource_and_AddMeter_collect_the_open_transactions_commits_and_the_commit_counter()
    {
        var activities = new List<Activity>();
        var metrics = new List<Metric>();
        var builder = CreateBuilder();

        // Before AddFluxMap: hosted services start in order, and the open is traced only once the tracer provider runs.
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource("FluxMap").AddInMemoryExporter(activities))
            .WithMetrics(meters => meters.AddMeter("FluxMap").AddInMemoryExporter(metrics));
        builder.Services.AddKeyedFluxMap<string, int>("traced", _ => { });
        using var host = builder.Build();
        await host.StartAsync(Ct);

        var handle = host.Services.GetRequiredKeyedService<FluxHandle<string, int>>("traced");
        await handle.TransactionAsync(async (tx, ct) => await tx.InsertAsync("a", 1, ct), Ct);
        host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        await host.StopAsync(Ct);

        var ours = activities.Where(a => Equals(a.GetTagItem("fluxmap.database"), "traced")).Select(a => a.OperationName);
        Assert.Equal(["fluxmap.open", "fluxmap.commit", "fluxmap.transaction"], ours);
        Assert.Contains(metrics, m => m.Name == "fluxmap.commits");
    }
}

/// <summary>Runs the OpenTelemetry tests with no other test at the same time.</summary>
[CollectionDefinition(nameof(OpenTelemetryTests), DisableParallelization = true)]
public sealed class TelemetryProviderTests;

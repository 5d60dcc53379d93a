using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static FluxMap.Hosting.Tests.TestHost;

namespace FluxMap.Hosting.Tests;

/// <summary>A hosted database logs its open's progress, and still hands it to a progress the application set.</summary>
public sealed class OpenProgressLogTests
{
    [Fact]
    public async Task A_durable_hosted_open_logs_each_phases_start_and_end_and_passes_every_report_on()
    {
        using var dir = new TempDirectory();
        var directory = Path.Combine(dir.Path, "bank");
        await RunAsync(directory, null, async db =>
        {
            for (var i = 0; i < 100; i++)
            {
                await db.CreateHandle().InsertAsync($"k{i}", i, Ct);
            }
        });

        var forwarded = new List<OpenProgress>();
        var logs = await RunAsync(directory, new SynchronousProgress(forwarded), db => Task.CompletedTask);

        var progress = logs.Where(r => r.Id.Id == 304).Select(r => (r.Level, r.Message)).ToList();
        var extents = forwarded.First(p => p.Phase == OpenPhase.LoadingDataFile).Total;
        Assert.Equal(
            [
                (LogLevel.Information, $"Opening the FluxMap database 'default': LoadingDataFile 0 of {extents}"),
                (LogLevel.Information, $"Opening the FluxMap database 'default': LoadingDataFile {extents} of {extents}"),
                (LogLevel.Information, "Opening the FluxMap database 'default': ReplayingLog 0 of 1"),
                (LogLevel.Information, "Opening the FluxMap database 'default': ReplayingLog 1 of 1"),
            ],
            progress);
        Assert.Equal(forwarded.Count, logs.Count(r => r.Id.Id is 304 or 305));
        Assert.True(logs.FindIndex(r => r.Id.Id == 304) < logs.FindIndex(r => r.Id.Id == EventIds.Opened));
    }

    private static async Task<List<FakeLogRecord>> RunAsync(string directory, IProgress<OpenProgress>? progress, Func<FluxDatabase<string, int>, Task> work)
    {
        var builder = CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Debug).AddFakeLogging();
        builder.Services.AddFluxMap<string, int>(
            options => (options.Durability, options.DataDirectory) = (DurabilityMode.Relaxed, directory),
            database =>
            {
                if (progress is not null)
                {
                    database.WithOpenProgress(progress);
                }
            });
        using var host = builder.Build();
        await host.StartAsync(Ct);
        await work(host.Services.GetRequiredService<FluxDatabase<string, int>>());
        await host.StopAsync(Ct);
        return [.. host.Services.GetFakeLogCollector().GetSnapshot()];
    }

    private sealed class SynchronousProgress(List<OpenProgress> reports) : IProgress<OpenProgress>
    {
        public void Report(OpenProgress value) => reports.Add(value);
    }
}

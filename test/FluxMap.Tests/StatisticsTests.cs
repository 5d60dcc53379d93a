using System.Diagnostics.Metrics;
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
    public async Task The_meter_reports_the_same_figures_tagged_with_the_database_name()
    {
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithName("orders").OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, Ct);
        await handle.InsertAsync("b", 1, Ct);

        var seen = new Dictionary<string, long>();
        var durations = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "FluxMap" && instrument.Meter.Tags!.Contains(new("fluxmap.database", "orders")))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => durations += instrument.Name == "fluxmap.commit.duration" ? 1 : 0);
        listener.Start();

        await handle.InsertAsync("c", 1, Ct);
        listener.RecordObservableInstruments();

        Assert.Equal(3, seen["fluxmap.commits"]);
        Assert.Equal(3, seen["fluxmap.keys"]);
        Assert.Equal(1, durations);
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
}

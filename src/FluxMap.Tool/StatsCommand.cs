using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace FluxMap.Tool;

/// <summary>
/// <c>fluxmap stats --process PID</c>: the "FluxMap" meter of a running process, one table per
/// interval with each instrument's latest value per database. It attaches as dotnet-counters does,
/// so it reads a live database without touching its directory.
/// </summary>
internal static class StatsCommand
{
    // How long past the first interval to wait for the process's first collection before giving up:
    // a runtime without System.Diagnostics.Metrics (before .NET 6) never sends one.
    private static readonly TimeSpan FirstIntervalGrace = TimeSpan.FromSeconds(10);

    internal static Command Create()
    {
        var process = new Option<int>("--process", "-p") { Description = "The id of the process that has the database open.", Required = true };
        var interval = new Option<double>("--interval") { Description = "Seconds between tables.", DefaultValueFactory = _ => 1 };
        var count = new Option<int>("--count") { Description = "Stop after this many tables (0: until Ctrl+C).", DefaultValueFactory = _ => 0 };
        interval.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is not (>= 0.1 and <= 3600))
            {
                r.AddError("--interval takes seconds from 0.1 to 3600.");
            }
        });
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--count takes 0 (no limit) or more.");
            }
        });
        return ToolCommand.Create(
            "stats",
            "Show the \"FluxMap\" meter of a running process: each instrument's latest value per database.",
            (result, ct) => RunAsync(result.GetValue(process), TimeSpan.FromSeconds(result.GetValue(interval)), result.GetValue(count), ct),
            process,
            interval,
            count);
    }

    private static async Task<int> RunAsync(int processId, TimeSpan interval, int count, CancellationToken cancellationToken)
    {
        // Ctrl+C (or a SIGTERM) must end the session in the process, not only this one: the runtime
        // there keeps a session whose reader vanished, and refuses the next metrics session meanwhile.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var session = MeterSession.Start(processId, interval);
        await using var stopping = session.ConfigureAwait(false);
        try
        {
            for (var shown = 0; count == 0 || shown < count; shown++)
            {
                var readings = shown == 0 ? await FirstAsync(session, processId, interval, stop.Token).ConfigureAwait(false) : await session.NextAsync(stop.Token).ConfigureAwait(false);
                if (shown == 0 && readings.Count == 0)
                {
                    throw new ToolException($"Process {processId} has no \"FluxMap\" meter: it measured nothing of it in the first interval (no FluxMap database is open there).");
                }

                ToolCommand.Out.Write(Table(processId, readings));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C ends an open-ended run: that is its normal end.
        }

        return ToolCommand.Done;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static async Task<IReadOnlyList<InstrumentReading>> FirstAsync(MeterSession session, int processId, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(interval + FirstIntervalGrace);
        try
        {
            return await session.NextAsync(waiting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ToolException($"Process {processId} sent no metrics within {(interval + FirstIntervalGrace).TotalSeconds:0.#} s: its runtime may predate System.Diagnostics.Metrics (.NET 6).");
        }
    }

    private static Table Table(int processId, IReadOnlyList<InstrumentReading> readings)
    {
        var table = new Table()
            .Title($"process {processId}, {DateTimeOffset.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}")
            .AddColumn("database").AddColumn("instrument").AddColumn(new TableColumn("value").RightAligned()).AddColumn("unit").AddColumn(new TableColumn("this interval").RightAligned());
        foreach (var reading in readings.OrderBy(r => r.Database, StringComparer.Ordinal).ThenBy(r => r.Instrument, StringComparer.Ordinal))
        {
            table.AddRow(new Text(reading.Database), new Text(reading.Instrument), new Text(reading.Value), new Text(reading.Unit), new Text(reading.Interval));
        }

        return table;
    }
}

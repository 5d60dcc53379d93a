using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace FluxMap.Tool;

/// <summary>
/// An EventPipe session on another .NET process that collects the "FluxMap" meter, as
/// dotnet-counters does: the runtime's "System.Diagnostics.Metrics" EventSource aggregates the
/// meter's instruments in that process every interval and sends one value per time series between a
/// CollectionStart and a CollectionStop event. Each interval becomes one list of readings.
/// </summary>
internal sealed class MeterSession : IAsyncDisposable
{
    private const string MetricsSource = "System.Diagnostics.Metrics";
    private const string Meter = "FluxMap";

    // Messages (errors), TimeSeriesValues: the keywords of MetricsEventSource that carry values and session errors.
    private const long Keywords = 0x1 | 0x2;

    private readonly int _processId;
    private readonly string _sessionId;
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _events;
    private readonly Task _processing;

    // The reader shows the latest values: when it falls behind, an older interval is the one to drop.
    private readonly Channel<IReadOnlyList<InstrumentReading>> _intervals =
        Channel.CreateBounded<IReadOnlyList<InstrumentReading>>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });

    private List<InstrumentReading> _current = [];

    private MeterSession(int processId, EventPipeSession session, string sessionId)
    {
        _processId = processId;
        _sessionId = sessionId;
        _session = session;
        _events = new EventPipeEventSource(session.EventStream);
        _events.Dynamic.All += OnEvent;
        _processing = Task.Factory.StartNew(Process, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Attaches to process <paramref name="processId"/> and asks it for the "FluxMap" meter every <paramref name="interval"/>.</summary>
    internal static MeterSession Start(int processId, TimeSpan interval)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
        }
        catch (ArgumentException)
        {
            throw new ToolException($"There is no process with id {processId}.");
        }

        var sessionId = Guid.NewGuid().ToString("N");
        var arguments = new Dictionary<string, string>
        {
            ["SessionId"] = sessionId,
            ["Metrics"] = Meter,
            ["RefreshInterval"] = interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["MaxTimeSeries"] = "1000",
            ["MaxHistograms"] = "100",
        };
        var provider = new EventPipeProvider(MetricsSource, EventLevel.Informational, Keywords, arguments);
        try
        {
            var session = new DiagnosticsClient(processId).StartEventPipeSession([provider], requestRundown: false, circularBufferMB: 16);
            return new MeterSession(processId, session, sessionId);
        }
        catch (ServerNotAvailableException e)
        {
            throw new ToolException($"Process {processId} accepts no diagnostics connection (is it a .NET process, without DOTNET_EnableDiagnostics=0?): {e.Message}");
        }
        catch (Exception e) when (e is UnauthorizedAccessException || e is SocketException { SocketErrorCode: SocketError.AccessDenied })
        {
            throw new ToolException($"Access to process {processId}'s diagnostics port was refused: run fluxmap as the user that runs the process (or as root).");
        }
    }

    /// <summary>The readings of the next interval; empty when the process measured nothing of the "FluxMap" meter in it.</summary>
    internal async Task<IReadOnlyList<InstrumentReading>> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _intervals.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is null)
        {
            throw new ToolException($"Process {_processId} ended the session (did it exit?).");
        }
        catch (ChannelClosedException e)
        {
            throw e.InnerException!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ServerNotAvailableException or EndOfStreamException or IOException)
        {
            // The process exited: its end of the session is gone already.
        }

        await _processing.ConfigureAwait(false);
        _events.Dispose();
        _session.Dispose();
    }

    private void Process()
    {
        try
        {
            _events.Process();
            _intervals.Writer.TryComplete();
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
        {
            _intervals.Writer.TryComplete();
        }
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.ProviderName != MetricsSource || e.PayloadNames.Length == 0 || e.PayloadValue(0) is not string session)
        {
            return;
        }

        // This error names the session that runs (its first field), so it is ours only when that is another.
        if (e.EventName.StartsWith("MultipleSessions", StringComparison.Ordinal))
        {
            if (session != _sessionId)
            {
                Fail($"Another tool (dotnet-counters, an agent) already collects metrics from process {_processId} with other settings; the runtime serves one such session at a time.");
            }

            return;
        }

        if (session != _sessionId)
        {
            return;
        }

        switch (e.EventName)
        {
            // TraceEvent names the Start and Stop opcodes of one task so; the manifest says CollectionStart.
            case "Collection/Start" or "CollectionStart":
                _current = [];
                break;
            case "Collection/Stop" or "CollectionStop":
                _intervals.Writer.TryWrite(_current);
                _current = [];
                break;
            case "CounterRateValuePublished" or "UpDownCounterRateValuePublished" or "GaugeValuePublished" or "HistogramValuePublished":
                if (Reading(e) is { } reading)
                {
                    _current.Add(reading);
                }

                break;
            case "Error":
                Fail($"Process {_processId} could not collect its metrics: {e.PayloadByName("errorMessage")}");
                break;
        }
    }

    private void Fail(string message) => _intervals.Writer.TryComplete(new ToolException(message));

    private static InstrumentReading? Reading(TraceEvent e)
    {
        if (e.PayloadByName("meterName") as string != Meter)
        {
            return null;
        }

        var tags = Tags(e.PayloadByName("tags") as string);
        var database = tags.Remove("fluxmap.database", out var name) ? name : "";
        var instrument = (string)e.PayloadByName("instrumentName");
        if (tags.Count > 0)
        {
            instrument += "{" + string.Join(",", tags.Select(t => $"{t.Key}={t.Value}")) + "}";
        }

        var unit = e.PayloadByName("unit") as string ?? "";
        return e.EventName switch
        {
            // "value" is the total since the process began; "rate" how much of it came in this interval.
            "CounterRateValuePublished" => new(database, instrument, unit, Number(e, "value"), Number(e, "rate")),
            "UpDownCounterRateValuePublished" => new(database, instrument, unit, Number(e, "value"), ""),
            "GaugeValuePublished" => new(database, instrument, unit, Number(e, "lastValue"), ""),
            _ when unit == "s" => new(database, instrument, "ms", Quantiles(e, 1000), $"{e.PayloadByName("count")} recorded"),
            _ => new(database, instrument, unit, Quantiles(e, 1), $"{e.PayloadByName("count")} recorded"),
        };
    }

    // MetricsEventSource sends numbers as invariant text; an empty one means nothing was measured.
    private static string Number(TraceEvent e, string field) =>
        double.TryParse(e.PayloadByName(field) as string, CultureInfo.InvariantCulture, out var value) ? Format(value) : "";

    private static string Format(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("G4", CultureInfo.InvariantCulture);

    // "key=value,key=value", as MetricsEventSource formats a series' tags.
    private static Dictionary<string, string> Tags(string? text) =>
        string.IsNullOrEmpty(text)
            ? []
            : text.Split(',').Select(t => t.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    // "0.5=0.0012;0.95=0.003;0.99=0.004" (seconds) into "p50 1.2, p95 3, p99 4" (milliseconds, at a scale of 1000).
    private static string Quantiles(TraceEvent e, double scale) =>
        string.Join(", ", ((e.PayloadByName("quantiles") as string) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(q => q.Split('=', 2))
            .Where(p => p.Length == 2 && double.TryParse(p[0], CultureInfo.InvariantCulture, out _) && double.TryParse(p[1], CultureInfo.InvariantCulture, out _))
            .Select(p => $"p{Format(double.Parse(p[0], CultureInfo.InvariantCulture) * 100)} {Format(double.Parse(p[1], CultureInfo.InvariantCulture) * scale)}"));
}

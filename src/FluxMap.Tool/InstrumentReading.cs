namespace FluxMap.Tool;

/// <summary>
/// One time series of the "FluxMap" meter in one interval: the database it is tagged with, the
/// instrument (with any other tags), its unit, its value (a counter's total, a histogram's
/// quantiles) and what the interval added (a counter's increase, a histogram's count).
/// </summary>
internal sealed record InstrumentReading(string Database, string Instrument, string Unit, string Value, string Interval);

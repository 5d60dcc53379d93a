using System.Globalization;

namespace FluxMap.Compare.Reporting;

/// <summary>How numbers read in the report: invariant culture, as many digits as mean something.</summary>
internal static class Format
{
    /// <summary>A count or rate with thousands separators.</summary>
    public static string Count(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A measurement: one decimal below 100, none above.</summary>
    public static string Amount(double value) => value.ToString(value < 100 ? "F1" : "N0", CultureInfo.InvariantCulture);

    /// <summary>A ratio such as "0.42x".</summary>
    public static string Ratio(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) + "x" : "–";

    /// <summary>A rate compactly: 950, 12.3k, 4.56M.</summary>
    public static string Short(double value) => value switch
    {
        >= 1e6 => (value / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (value / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0", CultureInfo.InvariantCulture),
    };
}

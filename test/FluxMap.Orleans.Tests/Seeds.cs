namespace FluxMap.Orleans.Tests;

/// <summary>Seeds of randomized tests: FLUXMAP_SEED when set (to replay a printed one), else the test's own.</summary>
internal static class Seeds
{
    internal static int Of(int fallback) =>
        Environment.GetEnvironmentVariable("FLUXMAP_SEED") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

using System.Diagnostics;

namespace FluxMap.Compare.Measurement;

/// <summary>
/// The latency of appending 4 KiB to a file and syncing it, in the directory the stores use:
/// the physical cost of one durable commit, against which group commit is judged.
/// </summary>
internal static class FsyncProbe
{
    /// <summary>p50 and p99 in microseconds over <paramref name="samples"/> appends.</summary>
    public static (double P50, double P99) Measure(string directory, int samples)
    {
        var path = Path.Combine(directory, "fsync-probe.bin");
        var block = new byte[4096];
        var histogram = new LatencyHistogram();
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            for (var i = 0; i < samples; i++)
            {
                var start = Stopwatch.GetTimestamp();
                file.Write(block);
                file.Flush(flushToDisk: true);
                histogram.Record(Stopwatch.GetTimestamp() - start);
            }
        }
        finally
        {
            File.Delete(path);
        }

        return (histogram.PercentileMicroseconds(0.5), histogram.PercentileMicroseconds(0.99));
    }
}

using System.Diagnostics;
using System.Numerics;

namespace FluxMap.Compare.Measurement;

/// <summary>
/// Log-linear latency histogram (16 sub-buckets per power of two, about 6% resolution) in
/// Stopwatch ticks: recording is an array increment, so it costs nothing to allocate or lock
/// inside the measured loop. One per worker, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 4;
    private const int SubBuckets = 1 << SubBits;
    private readonly long[] _counts = new long[64 * SubBuckets];

    /// <summary>Values recorded.</summary>
    public long Count { get; private set; }

    /// <summary>Records one latency in Stopwatch ticks.</summary>
    public void Record(long ticks)
    {
        _counts[Bucket(Math.Max(ticks, 1))]++;
        Count++;
    }

    /// <summary>Adds every value of <paramref name="other"/>.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The latency at quantile <paramref name="q"/> (0..1) in microseconds; 0 when empty.</summary>
    public double PercentileMicroseconds(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= Math.Max(rank, 1))
            {
                return Midpoint(i) * 1_000_000.0 / Stopwatch.Frequency;
            }
        }

        return 0;
    }

    private static int Bucket(long value)
    {
        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value);
        if (magnitude < SubBits)
        {
            return (int)value;
        }

        var sub = (int)(value >> (magnitude - SubBits)) & (SubBuckets - 1);
        return ((magnitude - SubBits + 1) << SubBits) | sub;
    }

    private static double Midpoint(int bucket)
    {
        var group = bucket >> SubBits;
        var sub = bucket & (SubBuckets - 1);
        if (group == 0)
        {
            return sub;
        }

        var magnitude = group + SubBits - 1;
        var width = 1L << (magnitude - SubBits);
        var low = (1L << magnitude) + (sub * width);
        return low + (width / 2.0);
    }
}

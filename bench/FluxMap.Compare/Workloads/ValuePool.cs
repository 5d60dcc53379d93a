using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>A fixed set of distinct 100-byte values built before timing, so writes allocate nothing of ours.</summary>
internal static class ValuePool
{
    private static readonly byte[][] Values = [.. Enumerable.Range(0, 1024).Select(i => Keys.Value(i))];

    /// <summary>The value for operation <paramref name="index"/>.</summary>
    public static byte[] For(long index) => Values[index & (Values.Length - 1)];
}

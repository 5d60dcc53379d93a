using FluxMap.Storage;
using FluxMap.Transactions;

namespace FluxMap.Tests;

/// <summary>A transaction's read trace keeps exactly the ranges its scans covered, however they stopped.</summary>
public sealed class ReadTraceTests
{
    private readonly KeyOrdering<int> _keys = KeyOrdering<int>.Create(null, null);

    [Fact]
    public void Scanned_ranges_narrowed_or_dropped_in_any_order_leave_what_the_scans_covered_in_scan_order()
    {
        var trace = new ReadTrace<int>(_keys);
        var first = trace.AddRange(KeyRange<int>.Between(0, 9));
        var second = trace.AddRange(KeyRange<int>.Between(10, 19));
        var third = trace.AddRange(KeyRange<int>.Between(20, 29));
        var fourth = trace.AddRange(KeyRange<int>.Between(30, 39));

        trace.Narrow(second, null);
        trace.Narrow(fourth, null);
        trace.Narrow(first, KeyRange<int>.Between(0, 4));

        Assert.Equal([KeyRange<int>.Between(0, 4), KeyRange<int>.Between(20, 29)], trace.Copy().Ranges);
        Assert.Equal([true, false, false, true, false], new[] { 3, 5, 15, 25, 35 }.Select(trace.Covers));
        Assert.False(trace.IsEmpty);

        trace.Narrow(third, null);
        trace.Narrow(first, null);

        Assert.True(trace.IsEmpty);
        Assert.Empty(trace.Copy().Ranges);

        trace.AddRange(KeyRange<int>.AtLeast(50));
        Assert.True(trace.Covers(60));
        Assert.False(trace.Covers(3));
    }
}

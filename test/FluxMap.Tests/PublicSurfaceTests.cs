using MessagePack;
using MessagePack.Resolvers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>The small value types and builder settings not covered elsewhere.</summary>
public sealed class PublicSurfaceTests
{
    [Fact]
    public async Task FluxValue_compares_by_presence_and_value()
    {
        await using var db = await OpenAsync();
        await db.Handle.InsertAsync("a", 1, Ct);
        var one = await db.Handle.GetAsync("a", Ct);
        var again = await db.Handle.GetAsync("a", Ct);
        var miss = await db.Handle.GetAsync("b", Ct);

        Assert.True(one == again);
        Assert.True(one != miss);
        Assert.Equal(one.GetHashCode(), again.GetHashCode());
        Assert.Equal(default, miss);
        Assert.Equal("1", one.ToString());
        Assert.Equal("(not found)", miss.ToString());
        Assert.Equal(0, miss.GetValueOrDefault());
    }

    [Fact]
    public void KeyRange_describes_and_compares_its_bounds()
    {
        var range = KeyRange<string>.Between("a", "m", toInclusive: false);

        Assert.Equal("[\"a\", \"m\")", range.ToString());
        Assert.Equal("(\"m\", +inf)", KeyRange<string>.GreaterThan("m").ToString());
        Assert.Equal("(-inf, +inf)", KeyRange<string>.All.ToString());
        Assert.True(range == KeyRange<string>.Between("a", "m", true, false));
        Assert.True(range != KeyRange<string>.Between("a", "m"));
        Assert.Equal(range.GetHashCode(), KeyRange<string>.Between("a", "m", true, false).GetHashCode());
        Assert.Throws<ArgumentNullException>(() => KeyRange<string>.AtLeast(null!));
    }

    [Fact]
    public async Task A_torn_tail_is_logged_through_the_logger_factory()
    {
        using var dir = new TempDirectory();
        var options = new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = dir.Path, UseDataFile = false };
        await using (var db = await FluxDatabase.OpenAsync<string, int>(options, Ct))
        {
            await db.CreateHandle().InsertAsync("k", 1, Ct);
        }

        var segment = dir.Segments.Single();
        var bytes = await File.ReadAllBytesAsync(segment, Ct);
        bytes[Array.FindLastIndex(bytes, b => b != 0) + 10] = 0x5A; // garbage after the last record
        await File.WriteAllBytesAsync(segment, bytes, Ct);
        using var loggerFactory = new LoggerFactory();
        var collector = new FakeLogCollector();
        loggerFactory.AddProvider(new FakeLoggerProvider(collector));

        await using var reopened = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithLoggerFactory(loggerFactory).OpenAsync(Ct);

        Assert.Contains(collector.GetSnapshot(), r => r.Id.Id == 101 && r.Level == LogLevel.Warning);
        Assert.Contains(collector.GetSnapshot(), r => r.Id.Id == 100 && r.Message.Contains("Recovered 1 commits", StringComparison.Ordinal));
        Assert.Equal(1, (await reopened.CreateHandle().GetAsync("k", Ct)).Value);
    }

    [Fact]
    public async Task Serializer_options_decide_how_values_are_stored()
    {
        using var dir = new TempDirectory();
        var options = new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = dir.Path };
        var standard = MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance);

        // The standard resolver only takes [MessagePackObject] types, so a plain class is refused.
        var refused = await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await FluxDatabase.CreateBuilder<string, DurabilityTests.Payload>().WithOptions(options).WithSerializerOptions(standard).OpenAsync(Ct));
        Assert.Contains("Payload", refused.Message, StringComparison.Ordinal);
        await using var contractless = await FluxDatabase.CreateBuilder<string, DurabilityTests.Payload>().WithOptions(options).OpenAsync(Ct);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;

namespace FluxMap.Caching;

/// <summary>
/// A cached value as the database stores it: its sliding expiration (ticks) and absolute expiration
/// (UTC ticks), zero for none, little-endian, then the value. The database's time-to-live does the
/// expiring; the two times are kept so that a read can slide the time-to-live on, up to the cap.
/// </summary>
internal static class CacheEntry
{
    private const int HeaderSize = 2 * sizeof(long);

    /// <summary>An entry holding <paramref name="value"/> with the expiration <paramref name="options"/> sets from <paramref name="now"/>.</summary>
    /// <returns>The entry and its time-to-live, null for none.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The absolute expiration is not in the future.</exception>
    internal static (byte[] Entry, TimeSpan? TimeToLive) Create(ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        var absolute = options.AbsoluteExpiration ?? (now + options.AbsoluteExpirationRelativeToNow);
        if (absolute <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), absolute, "The absolute expiration must be in the future.");
        }

        var sliding = options.SlidingExpiration?.Ticks ?? 0;
        var absoluteTicks = absolute?.UtcTicks ?? 0;
        var entry = new byte[checked(HeaderSize + (int)value.Length)];
        BinaryPrimitives.WriteInt64LittleEndian(entry, sliding);
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(sizeof(long)), absoluteTicks);
        value.CopyTo(entry.AsSpan(HeaderSize));
        return (entry, TimeToLive(sliding, absoluteTicks, now));
    }

    /// <summary>The value an entry holds.</summary>
    internal static ReadOnlySpan<byte> Value(byte[] entry) => entry.AsSpan(HeaderSize);

    /// <summary>Whether reading the entry extends its time-to-live.</summary>
    internal static bool Slides(byte[] entry) => SlidingTicks(entry) != 0;

    /// <summary>The time-to-live a read at <paramref name="now"/> gives a sliding entry: its sliding expiration, capped by its absolute one.</summary>
    internal static TimeSpan? SlidTimeToLive(byte[] entry, DateTimeOffset now) =>
        TimeToLive(SlidingTicks(entry), BinaryPrimitives.ReadInt64LittleEndian(entry.AsSpan(sizeof(long))), now);

    private static long SlidingTicks(byte[] entry) => BinaryPrimitives.ReadInt64LittleEndian(entry);

    private static TimeSpan? TimeToLive(long sliding, long absolute, DateTimeOffset now)
    {
        var remaining = absolute == 0 ? long.MaxValue : absolute - now.UtcTicks;
        var ticks = Math.Min(sliding == 0 ? long.MaxValue : sliding, remaining);
        return ticks == long.MaxValue ? null : TimeSpan.FromTicks(ticks);
    }
}

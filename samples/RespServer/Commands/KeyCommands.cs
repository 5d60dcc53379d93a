using FluxMap;

namespace RespServer.Commands;

/// <summary>Commands about keys rather than values: DEL, EXISTS, expiry and SCAN.</summary>
internal static class KeyCommands
{
    private const int DefaultScanCount = 10;

    public static async ValueTask Del(CommandContext context)
    {
        var removed = await context.ForEachKeyAsync((tx, key, cancellationToken) => tx.RemoveAsync(key, cancellationToken), readOnly: false);
        context.Reply.WriteInteger(removed.Count(r => r));
    }

    public static async ValueTask Exists(CommandContext context)
    {
        var found = await context.ForEachKeyAsync((tx, key, cancellationToken) => tx.ContainsKeyAsync(key, cancellationToken), readOnly: true);
        context.Reply.WriteInteger(found.Count(f => f));
    }

    public static ValueTask Expire(CommandContext context) => ExpireAsync(context, TimeSpan.FromSeconds(1), "expire");

    public static ValueTask PExpire(CommandContext context) => ExpireAsync(context, TimeSpan.FromMilliseconds(1), "pexpire");

    public static ValueTask Ttl(CommandContext context) => TimeToLiveAsync(context, TimeSpan.FromSeconds(1));

    public static ValueTask PTtl(CommandContext context) => TimeToLiveAsync(context, TimeSpan.FromMilliseconds(1));

    public static async ValueTask Persist(CommandContext context) =>
        context.Reply.WriteInteger(await context.Data.PersistAsync(context.Arguments[1]));

    /// <summary>
    /// SCAN cursor [MATCH prefix*] [COUNT n]: a walk in key order where the cursor is the last key
    /// returned, so a page goes on right after it however the keys changed in between.
    /// </summary>
    public static async ValueTask Scan(CommandContext context)
    {
        var arguments = context.Arguments;
        var cursor = arguments[1];
        var prefix = Array.Empty<byte>();
        long count = DefaultScanCount;
        for (var i = 2; i < arguments.Count; i += 2)
        {
            if (i + 1 == arguments.Count)
            {
                throw CommandException.SyntaxError();
            }

            if (context.IsKeyword(i, "MATCH"))
            {
                prefix = PrefixOf(arguments[i + 1]);
            }
            else if (context.IsKeyword(i, "COUNT") && context.IntegerAt(i + 1) is > 0 and var pageSize)
            {
                count = pageSize;
            }
            else
            {
                throw CommandException.SyntaxError();
            }
        }

        var range = IsFinalCursor(cursor) || cursor.AsSpan().SequenceCompareTo(prefix) < 0
            ? KeyRange<byte[]>.AtLeast(prefix)
            : KeyRange<byte[]>.GreaterThan(cursor);
        var keys = new List<byte[]>();
        var more = false;
        await foreach (var (key, _) in context.Data.ScanAsync(range))
        {
            if (!key.AsSpan().StartsWith(prefix))
            {
                break;
            }

            // Never end a page on the key "0": as a cursor it would tell the client the scan is over.
            if (keys.Count >= count && !IsFinalCursor(keys[^1]))
            {
                more = true;
                break;
            }

            keys.Add(key);
        }

        context.Reply.WriteArrayHeader(2);
        context.Reply.WriteBulkString(more ? keys[^1] : "0"u8);
        context.Reply.WriteArrayHeader(keys.Count);
        foreach (var key in keys)
        {
            context.Reply.WriteBulkString(key);
        }
    }

    private static async ValueTask ExpireAsync(CommandContext context, TimeSpan unit, string command)
    {
        var key = context.Arguments[1];
        var existed = context.TimeToLiveAt(2, unit, command) is { } timeToLive
            ? await context.Data.ExpireAsync(key, timeToLive)
            : await context.Data.RemoveAsync(key);
        context.Reply.WriteInteger(existed);
    }

    private static async ValueTask TimeToLiveAsync(CommandContext context, TimeSpan unit)
    {
        var timeToLive = await context.Data.GetTimeToLiveAsync(context.Arguments[1]);
        context.Reply.WriteInteger(timeToLive switch
        {
            { HasValue: false } => -2,
            { Value: { } left } => (left + (unit / 2)).Ticks / unit.Ticks,
            _ => -1,
        });
    }

    private static bool IsFinalCursor(byte[] cursor) => cursor is [(byte)'0'];

    // Only "prefix*" globs: they are what an ordered prefix scan can answer without reading every key.
    private static byte[] PrefixOf(byte[] pattern) =>
        pattern is [.. var prefix, (byte)'*'] && prefix.AsSpan().IndexOfAny("*?[\\"u8) < 0
            ? prefix
            : throw new CommandException("ERR only MATCH patterns of the form prefix* are supported");
}

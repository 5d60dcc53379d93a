using System.Globalization;
using FluxMap;

namespace RespServer.Commands;

/// <summary>GET, SET, MGET, MSET and the counters: values are byte strings, counters their decimal text.</summary>
internal static class StringCommands
{
    public static async ValueTask Get(CommandContext context)
    {
        var value = await context.Data.GetAsync(context.Arguments[1]);
        context.Reply.WriteBulkOrNull(value.GetValueOrDefault());
    }

    /// <summary>SET key value [EX seconds | PX milliseconds] [NX | XX].</summary>
    public static async ValueTask Set(CommandContext context)
    {
        var (key, value) = (context.Arguments[1], context.Arguments[2]);
        TimeSpan? timeToLive = null;
        bool? mustExist = null;
        for (var i = 3; i < context.Arguments.Count; i++)
        {
            if (mustExist is null && (context.IsKeyword(i, "NX") || context.IsKeyword(i, "XX")))
            {
                mustExist = context.IsKeyword(i, "XX");
            }
            else if (timeToLive is null && (context.IsKeyword(i, "EX") || context.IsKeyword(i, "PX")) && i + 1 < context.Arguments.Count)
            {
                var unit = context.IsKeyword(i, "EX") ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(1);
                timeToLive = context.TimeToLiveAt(++i, unit, "set") ?? throw CommandException.InvalidExpireTime("set");
            }
            else
            {
                throw CommandException.SyntaxError();
            }
        }

        if (mustExist is null)
        {
            await (timeToLive is { } ttl ? context.Data.InsertAsync(key, value, ttl) : context.Data.InsertAsync(key, value));
            context.Reply.WriteOk();
            return;
        }

        var written = await context.Data.TransactionAsync(async (tx, cancellationToken) =>
        {
            if (await tx.ContainsKeyAsync(key, cancellationToken) != mustExist)
            {
                return false;
            }

            await (timeToLive is { } ttl ? tx.InsertAsync(key, value, ttl, cancellationToken) : tx.InsertAsync(key, value, cancellationToken));
            return true;
        });
        if (written)
        {
            context.Reply.WriteOk();
        }
        else
        {
            context.Reply.WriteNull();
        }
    }

    /// <summary>SETNX key value: 1 when the key was absent and is now set, else 0 (StackExchange.Redis sends it for When.NotExists).</summary>
    public static async ValueTask SetNx(CommandContext context) =>
        context.Reply.WriteInteger(await context.Data.InsertIfAbsentAsync(context.Arguments[1], context.Arguments[2]));

    /// <summary>SETEX key seconds value (StackExchange.Redis sends it for a set with an expiry).</summary>
    public static ValueTask SetEx(CommandContext context) => SetExpiringAsync(context, TimeSpan.FromSeconds(1), "setex");

    /// <summary>PSETEX key milliseconds value.</summary>
    public static ValueTask PSetEx(CommandContext context) => SetExpiringAsync(context, TimeSpan.FromMilliseconds(1), "psetex");

    public static async ValueTask MGet(CommandContext context)
    {
        var values = await context.ForEachKeyAsync((tx, key, cancellationToken) => tx.GetAsync(key, cancellationToken), readOnly: true);
        context.Reply.WriteArrayHeader(values.Length);
        foreach (var value in values)
        {
            context.Reply.WriteBulkOrNull(value.GetValueOrDefault());
        }
    }

    public static async ValueTask MSet(CommandContext context)
    {
        var arguments = context.Arguments;
        if (arguments.Count % 2 == 0)
        {
            throw CommandException.WrongArity("mset");
        }

        await context.Data.TransactionAsync(async (tx, cancellationToken) =>
        {
            for (var i = 1; i < arguments.Count; i += 2)
            {
                await tx.InsertAsync(arguments[i], arguments[i + 1], cancellationToken);
            }
        });
        context.Reply.WriteOk();
    }

    public static ValueTask Incr(CommandContext context) => AddAsync(context, 1);

    public static ValueTask Decr(CommandContext context) => AddAsync(context, -1);

    public static ValueTask IncrBy(CommandContext context) => AddAsync(context, context.IntegerAt(2));

    public static ValueTask DecrBy(CommandContext context) =>
        AddAsync(context, context.IntegerAt(2) is var delta && delta != long.MinValue ? -delta : throw CommandException.NotAnInteger());

    private static async ValueTask SetExpiringAsync(CommandContext context, TimeSpan unit, string command)
    {
        var timeToLive = context.TimeToLiveAt(2, unit, command) ?? throw CommandException.InvalidExpireTime(command);
        await context.Data.InsertAsync(context.Arguments[1], context.Arguments[3], timeToLive);
        context.Reply.WriteOk();
    }

    private static async ValueTask AddAsync(CommandContext context, long delta)
    {
        long result = 0;

        // Throwing from the update leaves the stored value as it was.
        await context.Data.UpdateAsync(context.Arguments[1], current =>
        {
            result = Add(current, delta);
            Span<byte> text = stackalloc byte[20];
            result.TryFormat(text, out var length, provider: CultureInfo.InvariantCulture);
            return text[..length].ToArray();
        });
        context.Reply.WriteInteger(result);
    }

    private static long Add(FluxValue<byte[]> current, long delta)
    {
        if (!current.HasValue)
        {
            return delta;
        }

        if (!CommandContext.TryParseInteger(current.Value, out var value))
        {
            throw CommandException.NotAnInteger();
        }

        try
        {
            return checked(value + delta);
        }
        catch (OverflowException)
        {
            throw CommandException.NotAnInteger();
        }
    }
}

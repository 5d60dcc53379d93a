using System.Buffers.Text;
using System.Text;
using FluxMap;
using RespServer.Protocol;

namespace RespServer.Commands;

/// <summary>What a command runs with: its arguments, the database and the connection's reply buffer. One per connection, reused for each command.</summary>
internal sealed class CommandContext(FluxDatabase<byte[], byte[]> database, FluxHandle<byte[], byte[]> data, RespWriter reply)
{
    private static readonly TransactionOptions ReadOnly = new() { ReadOnly = true };

    // Far beyond any real expiry, and small enough that now + time-to-live cannot overflow.
    private static readonly TimeSpan MaxTimeToLive = TimeSpan.MaxValue / 2;

    /// <summary>The command name followed by its arguments.</summary>
    public List<byte[]> Arguments { get; } = [];

    public FluxDatabase<byte[], byte[]> Database => database;

    public FluxHandle<byte[], byte[]> Data => data;

    public RespWriter Reply => reply;

    /// <summary>Set by QUIT: the connection closes once the replies so far are sent.</summary>
    public bool CloseRequested { get; set; }

    public bool IsKeyword(int index, string keyword) => Ascii.EqualsIgnoreCase(Arguments[index], keyword);

    public long IntegerAt(int index) =>
        TryParseInteger(Arguments[index], out var value) ? value : throw CommandException.NotAnInteger();

    /// <summary>Reads a time-to-live counted in <paramref name="unit"/>s.</summary>
    /// <returns>Null when it is not positive, which Redis takes as "expire now".</returns>
    public TimeSpan? TimeToLiveAt(int index, TimeSpan unit, string command)
    {
        var amount = IntegerAt(index);
        if (amount <= 0)
        {
            return null;
        }

        return amount <= MaxTimeToLive.Ticks / unit.Ticks
            ? TimeSpan.FromTicks(amount * unit.Ticks)
            : throw CommandException.InvalidExpireTime(command);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on every key argument in one transaction, so that a
    /// multi-key command sees and changes its keys together, as in Redis.
    /// </summary>
    public ValueTask<TResult[]> ForEachKeyAsync<TResult>(
        Func<FluxTransaction<byte[], byte[]>, byte[], CancellationToken, ValueTask<TResult>> operation, bool readOnly) =>
        data.TransactionAsync(
            async (tx, cancellationToken) =>
            {
                var results = new TResult[Arguments.Count - 1];
                for (var i = 0; i < results.Length; i++)
                {
                    results[i] = await operation(tx, Arguments[i + 1], cancellationToken);
                }

                return results;
            },
            readOnly ? ReadOnly : null);

    public static bool TryParseInteger(ReadOnlySpan<byte> text, out long value) =>
        Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
}

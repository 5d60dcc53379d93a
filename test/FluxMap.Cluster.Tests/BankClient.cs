using System.Diagnostics;
using System.Globalization;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// A client of the bank, bound to one member: it reads there, sends its transfers where the
/// cluster takes writes (<see cref="ProcessCluster.WriterFor"/>) and records what came of each.
/// </summary>
internal sealed class BankClient(ProcessCluster cluster, int index, int seed, TransferLog log)
{
    private readonly Random _random = new(seed);

    internal int Index => index;

    /// <summary>A ledger as the member sends it: ids joined by commas, "-" when empty.</summary>
    internal static int[] ParseLedger(string text) => text == "-" ? [] : [.. text.Split(',').Select(id => int.Parse(id, CultureInfo.InvariantCulture))];

    /// <summary>Transfers until <paramref name="stop"/> is cancelled.</summary>
    internal async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await TransferAsync();
        }
    }

    /// <summary>One transfer between two distinct accounts, with a fresh id.</summary>
    internal Task TransferAsync() => TransferAsync(cluster.WriterFor(index));

    /// <summary>One transfer between two distinct accounts, with a fresh id, sent to <paramref name="member"/> whichever it is.</summary>
    internal Task TransferAsync(Task<MemberProcess> member)
    {
        var from = _random.Next(ProcessCluster.Accounts);
        return TransferAsync(member, from, (from + 1 + _random.Next(ProcessCluster.Accounts - 1)) % ProcessCluster.Accounts, MemberProcess.AnswerTimeout);
    }

    /// <summary>One transfer sent to <paramref name="member"/>, whichever it is; unknown if unanswered within <paramref name="timeout"/>.</summary>
    internal async Task TransferAsync(Task<MemberProcess> member, int from, int to, TimeSpan timeout)
    {
        var target = await member;
        var id = log.NextId();
        var answer = await target.SendAsync($"transfer {id} {from} {to} {_random.Next(1, 50)}", timeout);
        var words = answer.Split(' ');
        switch (words[0])
        {
            case "committed":
                log.Acknowledge(new Transfer(id, from, to, ParseLedger(words[1]), ParseLedger(words[2]), target.Index, Stopwatch.GetTimestamp()));
                break;
            case "failed":
                log.Fail(id);
                break;
            case "unknown":
                log.Lose(id);
                break;
            default:
                Assert.Fail($"member {target.Index} answered transfer {id} with {answer}");
                break;
        }
    }

    /// <summary>Reads the ledgers of a few accounts on this client's member, read-only; null when the member is down or did not answer.</summary>
    internal async Task<(int[] Accounts, int[][] Ledgers)?> ReadAsync()
    {
        if (cluster.Members[index] is not { } member)
        {
            return null;
        }

        var accounts = Enumerable.Range(0, ProcessCluster.Accounts).ToArray();
        _random.Shuffle(accounts);
        accounts = accounts[..3];
        var answer = await member.SendAsync($"read {string.Join(' ', accounts)}");
        if (answer.StartsWith("unknown", StringComparison.Ordinal))
        {
            return null;
        }

        var words = answer.Split(' ');
        Assert.True(words[0] == "ok", $"member {index} answered a read with {answer}");
        return (accounts, [.. words[1..].Select(ParseLedger)]);
    }
}

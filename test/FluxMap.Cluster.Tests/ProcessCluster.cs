using System.Globalization;
using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Three members, each a child process (<see cref="MemberProcess"/>) on a free loopback port with
/// its own directories, holding the bank of FluxMap.ClusterMember; members can be killed with
/// SIGKILL, frozen, restarted and wiped.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    internal const int Accounts = 8;

    private readonly TempDirectory _root = new();
    private readonly string[] _endPoints = LoopbackPort.FreeEndPoints(3);
    private readonly int _snapshotInterval;

    private ProcessCluster(int snapshotInterval) => _snapshotInterval = snapshotInterval;

    /// <summary>Gets the running members by index; null where a member is down.</summary>
    internal MemberProcess?[] Members { get; } = new MemberProcess?[3];

    internal IEnumerable<MemberProcess> Running => Members.OfType<MemberProcess>();

    /// <summary>Gets the bank's total once opened: every member shows it, always.</summary>
    internal long Total { get; private set; }

    private Signal Changed { get; } = new();

    /// <summary>Starts three members and opens the accounts on the first leader.</summary>
    internal static async Task<ProcessCluster> StartAsync(int snapshotInterval = 4096)
    {
        var cluster = new ProcessCluster(snapshotInterval);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(cluster.StartMemberAsync));
        while (await (await cluster.LeaderAsync()).SendAsync("open") != "ok")
        {
            // The first leader stepped down under the call: open on the next one.
        }

        cluster.Total = (await cluster.StateAsync(await cluster.LeaderAsync())).Total;
        return cluster;
    }

    internal async Task StartMemberAsync(int index)
    {
        var directory = Path.Combine(_root.Path, $"m{index}");
        Members[index] = await MemberProcess.StartAsync(
            index,
            [_endPoints[index], string.Join(',', _endPoints), Path.Combine(directory, "data"), Path.Combine(directory, "raft"),
             Accounts.ToString(CultureInfo.InvariantCulture), _snapshotInterval.ToString(CultureInfo.InvariantCulture)],
            Changed);
    }

    internal async Task KillAsync(int index)
    {
        var member = Members[index]!;
        Members[index] = null;
        await member.KillAsync();
    }

    internal void Wipe(int index) => Directory.Delete(Path.Combine(_root.Path, $"m{index}"), recursive: true);

    /// <summary>Waits until a running, unfrozen member says it leads, on the members' leadership lines.</summary>
    internal async Task<MemberProcess> LeaderAsync()
    {
        await Changed.WaitAsync(() => Running.Any(m => m.IsLeader), TestContext.Current.CancellationToken);
        return Running.First(m => m.IsLeader);
    }

    /// <summary>The member a client sends its writes to: its own while it runs (followers forward writes to the leader), else any running one.</summary>
    internal Task<MemberProcess> WriterFor(int client) => Task.FromResult(Members[client] ?? Running.First());

    /// <summary>
    /// Waits until every running member shows everything the leader applied, then checks they all
    /// show the same ledgers and the opening total, and that every acknowledged transfer is in both
    /// its ledgers. Returns the ledgers.
    /// </summary>
    internal async Task<int[][]> AssertAgreementAsync(TransferLog log)
    {
        var position = await (await LeaderAsync()).SendAsync("position");
        var states = new List<(int Member, BankState State)>();
        foreach (var member in Running)
        {
            Assert.Equal("ok", await member.SendAsync($"wait {position[3..]}"));
            states.Add((member.Index, await StateAsync(member)));
        }

        var first = states[0].State;
        foreach (var (member, state) in states)
        {
            Assert.Equal(Total, state.Total);
            for (var a = 0; a < Accounts; a++)
            {
                Assert.True(first.Ledgers[a].SequenceEqual(state.Ledgers[a]), $"member {member} disagrees with member {states[0].Member} on the ledger of account {a}: [{string.Join(' ', state.Ledgers[a])}] against [{string.Join(' ', first.Ledgers[a])}]");
            }
        }

        foreach (var transfer in log.Acknowledged)
        {
            Assert.Contains(transfer.Id, first.Ledgers[transfer.From]);
            Assert.Contains(transfer.Id, first.Ledgers[transfer.To]);
        }

        return first.Ledgers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var index in Enumerable.Range(0, Members.Length).Where(i => Members[i] is not null))
        {
            await KillAsync(index);
        }

        _root.Dispose();
    }

    private async Task<BankState> StateAsync(MemberProcess member)
    {
        var words = (await member.SendAsync("state")).Split(' ');
        Assert.True(words[0] == "ok", $"member {member.Index} answered state with {string.Join(' ', words)}");
        return new BankState(long.Parse(words[1], CultureInfo.InvariantCulture), [.. words[2..].Select(BankClient.ParseLedger)]);
    }

    private sealed record BankState(long Total, int[][] Ledgers);
}

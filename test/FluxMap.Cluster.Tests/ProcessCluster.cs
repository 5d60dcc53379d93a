using System.Globalization;
using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Three members, each a child process (<see cref="MemberProcess"/>) on a free loopback port with
/// its own directories, holding the bank of FluxMap.ClusterMember; members can be killed with
/// SIGKILL, frozen, restarted and wiped, and, when the cluster is relayed, cut off from each other.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    internal const int Accounts = 8;

    /// <summary>How soon the majority must commit again after losing its leader: generous for a loaded two-core machine, where an election takes a second or three.</summary>
    internal static readonly TimeSpan TakeoverBound = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _root = new();
    private readonly string[] _endPoints;
    private readonly int _snapshotInterval;

    // Where the members know each other: their own endpoints, or the relay's in front of each.
    private readonly string[] _publicEndPoints;
    private readonly RelayNetwork? _relays;

    private ProcessCluster(int snapshotInterval, bool relayed)
    {
        _snapshotInterval = snapshotInterval;
        var endPoints = LoopbackPort.FreeEndPoints(relayed ? 6 : 3);
        _endPoints = endPoints[..3];
        _publicEndPoints = relayed ? endPoints[3..] : _endPoints;

        // Followers send their transactions to the leader's announced address plus the forwarding
        // offset: the relay carries that port too, so a cut takes the forwarding links with it.
        _relays = relayed ? RelayNetwork.Start(_publicEndPoints, _endPoints, [0, LoopbackPort.ForwardingPortOffset], i => Members[i]?.ProcessId) : null;
    }

    /// <summary>Gets the running members by index; null where a member is down.</summary>
    internal MemberProcess?[] Members { get; } = new MemberProcess?[3];

    internal IEnumerable<MemberProcess> Running => Members.OfType<MemberProcess>();

    /// <summary>Gets the bank's total once opened: every member shows it, always.</summary>
    internal long Total { get; private set; }

    private Signal Changed { get; } = new();

    /// <summary>
    /// Starts three members and opens the accounts on the first leader; when
    /// <paramref name="relayed"/>, every link between members runs through a relay that can cut it.
    /// </summary>
    internal static async Task<ProcessCluster> StartAsync(int snapshotInterval = 4096, bool relayed = false)
    {
        var cluster = new ProcessCluster(snapshotInterval, relayed);
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
            [_endPoints[index], string.Join(',', _publicEndPoints), Path.Combine(directory, "data"), Path.Combine(directory, "raft"),
             Accounts.ToString(CultureInfo.InvariantCulture), _snapshotInterval.ToString(CultureInfo.InvariantCulture), _publicEndPoints[index]],
            Changed);
    }

    internal async Task KillAsync(int index)
    {
        var member = Members[index]!;
        Members[index] = null;
        await member.KillAsync();
    }

    internal void Wipe(int index) => Directory.Delete(Path.Combine(_root.Path, $"m{index}"), recursive: true);

    /// <summary>Cuts the links between member <paramref name="index"/> and the others; it and its clients keep running.</summary>
    internal void Cut(int index)
    {
        _relays!.Cut(index);
        Changed.Pulse();
    }

    internal void Heal(int index)
    {
        _relays!.Heal(index);
        Changed.Pulse();
    }

    /// <summary>
    /// Waits until a running, unfrozen member that is not cut off says it leads, on the members'
    /// leadership lines: a leader cut off may not know it lost its majority yet.
    /// </summary>
    internal async Task<MemberProcess> LeaderAsync()
    {
        await WaitUntilAsync(() => Running.Any(Leads));
        return Running.First(Leads);
    }

    /// <summary>Waits until <paramref name="condition"/> on the members holds, testing it at every leadership change; fails after <see cref="TransferLog.Patience"/>.</summary>
    internal async Task WaitUntilAsync(Func<bool> condition) =>
        await Changed.WaitAsync(condition, TestContext.Current.CancellationToken).AsTask().WaitAsync(TransferLog.Patience);

    /// <summary>The newest commit <paramref name="member"/> applied.</summary>
    internal static async Task<long> PositionAsync(MemberProcess member)
    {
        var answer = await member.SendAsync("position");
        Assert.True(answer.StartsWith("ok ", StringComparison.Ordinal), $"member {member.Index} answered position with {answer}");
        return long.Parse(answer[3..], CultureInfo.InvariantCulture);
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
        // Transfers whose client stopped waiting (unknown) may still be running on their member
        // and commit later: every member finishes them first.
        foreach (var member in Running)
        {
            Assert.Equal("ok", await member.SendAsync("settle", TimeSpan.FromSeconds(60)));
        }

        var position = await PositionAsync(await LeaderAsync());
        var states = new List<(int Member, BankState State)>();
        foreach (var member in Running)
        {
            Assert.Equal("ok", await member.SendAsync($"wait {position}"));
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

        if (_relays is not null)
        {
            await _relays.DisposeAsync();
        }

        _root.Dispose();
    }

    private bool Leads(MemberProcess member) => member.IsLeader && _relays?.IsCut(member.Index) != true;

    private async Task<BankState> StateAsync(MemberProcess member)
    {
        var words = (await member.SendAsync("state")).Split(' ');
        Assert.True(words[0] == "ok", $"member {member.Index} answered state with {string.Join(' ', words)}");
        return new BankState(long.Parse(words[1], CultureInfo.InvariantCulture), [.. words[2..].Select(BankClient.ParseLedger)]);
    }

    private sealed record BankState(long Total, int[][] Ledgers);
}

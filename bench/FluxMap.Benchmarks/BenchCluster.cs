using FluxMap.Replication;
using FluxMap.Testing;

namespace FluxMap.Benchmarks;

/// <summary>Three (or more) replicated members in this process on loopback, on free ports, under one temp directory; members can be stopped and started again.</summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly string _root;
    private readonly string[] _endPoints;

    private BenchCluster(string root, int size)
    {
        _root = root;
        _endPoints = LoopbackPort.FreeEndPoints(size);
        Members = new ReplicatedFluxDatabase<string, long>?[size];
    }

    internal ReplicatedFluxDatabase<string, long>?[] Members { get; }

    internal ReplicationOptions Options(int index)
    {
        var options = new ReplicationOptions { LocalEndPoint = _endPoints[index], LogDirectory = Path.Combine(_root, $"m{index}", "raft") };
        foreach (var endPoint in _endPoints)
        {
            options.Members.Add(endPoint);
        }

        return options;
    }

    internal static async Task<BenchCluster> StartAsync(string root, int size = 3)
    {
        var cluster = new BenchCluster(root, size);
        await Task.WhenAll(Enumerable.Range(0, size).Select(cluster.StartMemberAsync));
        return cluster;
    }

    internal async Task StartMemberAsync(int index) =>
        Members[index] = await ReplicatedFluxDatabase.OpenAsync<string, long>(
            Options(index),
            b => b.WithName($"m{index}").WithOptions(new FluxMapOptions { DataDirectory = Path.Combine(_root, $"m{index}", "data") }));

    internal async Task StopMemberAsync(int index)
    {
        var member = Members[index]!;
        Members[index] = null;
        await member.DisposeAsync();
    }

    /// <summary>The index of the member that leads and takes commits, once the running members agree on one.</summary>
    internal async Task<int> LeaderAsync()
    {
        while (true)
        {
            var any = Members.First(m => m is not null)!;
            var address = await any.WaitForLeaderAsync();
            var index = Array.IndexOf(_endPoints, address);
            if (Members[index] is { } leader)
            {
                await leader.WaitForLeaderAsync();
                if (leader.IsLeader)
                {
                    return index;
                }
            }
        }
    }

    /// <summary>Commits <paramref name="body"/> on the leader, following the leadership when it moves.</summary>
    internal async Task CommitAsync(Func<FluxTransaction<string, long>, CancellationToken, ValueTask<int>> body)
    {
        while (true)
        {
            var leader = Members[await LeaderAsync()];
            try
            {
                await leader!.TransactionAsync(body);
                return;
            }
            catch (SerializationConflictException) when (!leader!.IsLeader)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < Members.Length; i++)
        {
            if (Members[i] is not null)
            {
                await StopMemberAsync(i);
            }
        }
    }
}

using FluxMap.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ReplicatedBank.Tests;

/// <summary>The sample's members (three unless told) in this process, each on Kestrel at a free port of 127.0.0.1 with a free Raft port and directories of its own.</summary>
internal sealed class ReplicatedBankServers : IAsyncDisposable
{
    private readonly TempDirectory _root = new();
    private readonly List<WebApplication> _apps = [];
    private readonly List<HttpClient> _clients = [];

    internal IReadOnlyList<WebApplication> Apps => _apps;

    /// <summary>An HTTP client of each member, in the order of <see cref="Apps"/>.</summary>
    internal IReadOnlyList<HttpClient> Clients => _clients;

    /// <param name="members">How many members the cluster has.</param>
    /// <param name="map">Maps endpoints of the test's own on each member, behind the sample's error handling.</param>
    internal static async Task<ReplicatedBankServers> StartAsync(int members = 3, Action<WebApplication>? map = null)
    {
        var servers = new ReplicatedBankServers();
        var raft = LoopbackPort.FreeEndPoints(members);
        for (var i = 0; i < raft.Length; i++)
        {
            // The sample's appsettings.json, copied beside the tests, sets the directories relative to the content root.
            servers._apps.Add(ReplicatedBankApp.Build(
            [
                $"--contentRoot={AppContext.BaseDirectory}",
                "--urls=http://127.0.0.1:0",
                $"--FluxMap:DataDirectory={Path.Combine(servers._root.Path, $"m{i}", "data")}",
                $"--FluxMap:Replication:LogDirectory={Path.Combine(servers._root.Path, $"m{i}", "raft")}",
                $"--FluxMap:Replication:LocalEndPoint={raft[i]}",
                .. raft.Select((endPoint, m) => $"--FluxMap:Replication:Members:{m}={endPoint}"),
                "--Logging:LogLevel:Default=Warning",

                // A loaded two-core machine runs three members and the test: elections must not fire on a slow heartbeat.
                "--FluxMap:Replication:LowerElectionTimeout=00:00:00.600",
                "--FluxMap:Replication:UpperElectionTimeout=00:00:01.200",
            ]));
            map?.Invoke(servers._apps[^1]);
        }

        await Task.WhenAll(servers._apps.Select(app => app.StartAsync(TestContext.Current.CancellationToken)));
        servers._clients.AddRange(servers._apps.Select(app => new HttpClient { BaseAddress = new Uri(app.Urls.Single()) }));
        return servers;
    }

    internal static ReplicatedFluxDatabase<string, long> Member(WebApplication app) => app.Services.GetRequiredService<ReplicatedFluxDatabase<string, long>>();

    /// <summary>Waits until every member knows the leader; returns the leader's index.</summary>
    internal async Task<int> LeaderAsync()
    {
        await Task.WhenAll(_apps.Select(app => Member(app).WaitForLeaderAsync(TestContext.Current.CancellationToken).AsTask()));
        return _apps.FindIndex(app => Member(app).IsLeader);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var app in _apps)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        _root.Dispose();
    }
}

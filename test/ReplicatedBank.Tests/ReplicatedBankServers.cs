using FluxMap.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ReplicatedBank.Tests;

/// <summary>The sample's three members in this process, each on Kestrel at a free port of 127.0.0.1 with a free Raft port and directories of its own.</summary>
internal sealed class ReplicatedBankServers : IAsyncDisposable
{
    private readonly TempDirectory _root = new();
    private readonly List<WebApplication> _apps = [];

    internal IReadOnlyList<WebApplication> Apps => _apps;

    internal static async Task<ReplicatedBankServers> StartAsync()
    {
        var servers = new ReplicatedBankServers();
        var raft = LoopbackPort.FreeEndPoints(3);
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
        }

        await Task.WhenAll(servers._apps.Select(app => app.StartAsync(TestContext.Current.CancellationToken)));
        return servers;
    }

    internal static ReplicatedFluxDatabase<string, long> Member(WebApplication app) => app.Services.GetRequiredService<ReplicatedFluxDatabase<string, long>>();

    /// <summary>Waits until every member knows the leader; returns the leader's index.</summary>
    internal async Task<int> LeaderAsync()
    {
        await Task.WhenAll(_apps.Select(app => Member(app).WaitForLeaderAsync(TestContext.Current.CancellationToken).AsTask()));
        return _apps.FindIndex(app => Member(app).IsLeader);
    }

    internal static HttpClient Client(WebApplication app) => new() { BaseAddress = new Uri(app.Urls.Single()) };

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        _root.Dispose();
    }
}

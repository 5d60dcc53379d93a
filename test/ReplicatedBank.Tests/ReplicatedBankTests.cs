using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using BankService;

namespace ReplicatedBank.Tests;

/// <summary>The replicated bank sample over real HTTP: three members, transfers sent to every one, the same total on each.</summary>
public sealed class ReplicatedBankTests
{
    private const long Opening = 1_000;

    private static readonly string[] Ids = ["alice", "bob", "carol", "dave"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Transfers_sent_to_every_member_keep_the_total_and_every_member_shows_the_same_balances()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FLUXMAP_SEED"), out var s) ? s : Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"FLUXMAP_SEED={seed}");
        await using var servers = await ReplicatedBankServers.StartAsync();
        var leader = await servers.LeaderAsync();
        using (var client = ReplicatedBankServers.Client(servers.Apps[leader]))
        {
            foreach (var id in Ids)
            {
                Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/accounts", new Account(id, Opening), Ct)).StatusCode);
            }
        }

        var acknowledged = new ConcurrentBag<(int Member, Transfer Transfer)>();
        var refusals = new ConcurrentBag<(int Member, HttpStatusCode Status, string? Detail)>();
        await Task.WhenAll(Enumerable.Range(0, servers.Apps.Count).Select(m => Task.Run(
            async () =>
            {
                var random = new Random(seed + m);
                using var client = ReplicatedBankServers.Client(servers.Apps[m]);
                for (var i = 0; i < 15; i++)
                {
                    var from = random.Next(Ids.Length);
                    var transfer = new Transfer(Ids[from], Ids[(from + 1 + random.Next(Ids.Length - 1)) % Ids.Length], random.Next(1, 300));
                    var response = await client.PostAsJsonAsync("/transfers", transfer, Ct);
                    if (response.IsSuccessStatusCode)
                    {
                        acknowledged.Add((m, transfer));
                    }
                    else
                    {
                        refusals.Add((m, response.StatusCode, (await response.Content.ReadFromJsonAsync<Problem>(Ct))?.Detail));
                    }
                }
            },
            Ct)));

        // A member that cannot take a write (a follower, until followers forward writes) says so; the leader takes what the funds allow.
        Assert.All(refusals, r => Assert.True(
            r.Status == HttpStatusCode.Conflict || (r.Status == HttpStatusCode.ServiceUnavailable && r.Detail!.Contains("not the leader", StringComparison.Ordinal)),
            $"member {r.Member}: {r.Status} {r.Detail}"));
        Assert.Contains(acknowledged, a => a.Member == leader);

        var expected = Ids.ToDictionary(id => id, _ => Opening);
        foreach (var (_, transfer) in acknowledged)
        {
            expected[transfer.From] -= transfer.Amount;
            expected[transfer.To] += transfer.Amount;
        }

        foreach (var app in servers.Apps)
        {
            using var client = ReplicatedBankServers.Client(app);
            var total = await client.GetFromJsonAsync<BankTotal>("/total?fresh=true", Ct);
            Assert.Equal(new BankTotal(Ids.Length * Opening, Ids.Length, total!.Position), total);
            foreach (var id in Ids)
            {
                Assert.Equal(new Account(id, expected[id]), await client.GetFromJsonAsync<Account>($"/accounts/{id}?fresh=true", Ct));
            }

            var status = await client.GetFromJsonAsync<MemberStatus>("/status", Ct);
            Assert.Equal(app == servers.Apps[leader] ? "Leader" : "Follower", status!.Role);
            Assert.Equal("Healthy", await client.GetStringAsync("/health", Ct));
        }
    }

    private sealed record Problem(string Title, string? Detail);
}

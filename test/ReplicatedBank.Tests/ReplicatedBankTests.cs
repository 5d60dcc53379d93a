using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using BankService;
using FluxMap.Replication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ReplicatedBank.Tests;

/// <summary>The replicated bank sample over real HTTP: three members, every one taking transfers, the same balances on each.</summary>
public sealed class ReplicatedBankTests
{
    private const long Opening = 1_000;

    private static readonly string[] Shared = ["alice", "bob", "carol"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_member_takes_transfers_reads_them_back_at_once_and_every_member_shows_them()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FLUXMAP_SEED"), out var s) ? s : Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"FLUXMAP_SEED={seed}");
        await using var servers = await ReplicatedBankServers.StartAsync();
        var leader = await servers.LeaderAsync();
        var members = servers.Apps.Count;
        var clients = servers.Clients;

        // Followers open accounts too: member m opens one shared account and its own.
        for (var m = 0; m < members; m++)
        {
            Assert.Equal(HttpStatusCode.Created, (await clients[m].PostAsJsonAsync("/accounts", new Account(Shared[m], Opening), Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await clients[m].PostAsJsonAsync("/accounts", new Account(Own(m), Opening), Ct)).StatusCode);
        }

        var acknowledged = new ConcurrentBag<(int Member, Transfer Transfer)>();
        var refusals = new ConcurrentBag<(int Member, Transfer Transfer, HttpStatusCode Status, string? Title)>();
        await Task.WhenAll(Enumerable.Range(0, members).Select(m => Task.Run(
            async () =>
            {
                // Every transfer moves money between this member's own account and a shared one: the shared ones
                // make the members' transfers conflict, and since only this loop moves the own account, its
                // balance in the receipt is what every member must show until the next transfer here.
                var random = new Random(seed + m);
                for (var i = 0; i < 15; i++)
                {
                    var other = Shared[random.Next(Shared.Length)];
                    var amount = random.Next(1, 300);
                    var transfer = random.Next(2) == 0 ? new Transfer(Own(m), other, amount) : new Transfer(other, Own(m), amount);
                    var response = await clients[m].PostAsJsonAsync("/transfers", transfer, Ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        refusals.Add((m, transfer, response.StatusCode, (await ProblemAsync(response)).Title));
                        continue;
                    }

                    acknowledged.Add((m, transfer));
                    var receipt = (await response.Content.ReadFromJsonAsync<TransferReceipt>(Ct))!;
                    var own = receipt.From.Id == Own(m) ? receipt.From : receipt.To;
                    var path = $"/accounts/{own.Id}";

                    // Read-your-writes where it was taken; on one other member after WaitForCommitAsync at the
                    // position this one reached, on the last after a read barrier (?fresh=true).
                    Assert.Equal(own, await clients[m].GetFromJsonAsync<Account>(path, Ct));
                    var (waiting, fresh) = ((m + 1) % members, (m + 2) % members);
                    await ReplicatedBankServers.Member(servers.Apps[waiting]).WaitForCommitAsync(ReplicatedBankServers.Member(servers.Apps[m]).CommitPosition, Ct);
                    Assert.Equal(own, await clients[waiting].GetFromJsonAsync<Account>(path, Ct));
                    Assert.Equal(own, await clients[fresh].GetFromJsonAsync<Account>($"{path}?fresh=true", Ct));
                }
            },
            Ct)));

        // Every member takes transfers, and refuses only those the funds do not allow: no 503 for a follower.
        Assert.All(refusals, r => Assert.True(
            (r.Status, r.Title) == (HttpStatusCode.Conflict, "Insufficient funds"), $"member {r.Member}: {r.Transfer}: {r.Status} {r.Title}"));
        Assert.All(Enumerable.Range(0, members), m => Assert.Contains(acknowledged, a => a.Member == m));

        var expected = Shared.Concat(Enumerable.Range(0, members).Select(Own)).ToDictionary(id => id, _ => Opening);
        foreach (var (_, transfer) in acknowledged)
        {
            expected[transfer.From] -= transfer.Amount;
            expected[transfer.To] += transfer.Amount;
        }

        var totals = new List<BankTotal>();
        foreach (var (client, app) in clients.Zip(servers.Apps))
        {
            totals.Add((await client.GetFromJsonAsync<BankTotal>("/total?fresh=true", Ct))!);
            foreach (var (id, balance) in expected)
            {
                Assert.Equal(new Account(id, balance), await client.GetFromJsonAsync<Account>($"/accounts/{id}?fresh=true", Ct));
            }

            var status = await client.GetFromJsonAsync<MemberStatus>("/status", Ct);
            Assert.Equal(app == servers.Apps[leader] ? "Leader" : "Follower", status!.Role);
            Assert.Equal("Healthy", await client.GetStringAsync("/health", Ct));
        }

        Assert.All(totals, total => Assert.Equal(new BankTotal(expected.Count * Opening, expected.Count, totals[0].Position), total));
    }

    [Fact]
    public async Task Invalid_transfers_sent_to_every_member_are_answered_with_a_4xx_and_change_nothing()
    {
        await using var servers = await ReplicatedBankServers.StartAsync();
        await servers.LeaderAsync();
        var clients = servers.Clients;

        Assert.Equal(HttpStatusCode.Created, (await clients[0].PostAsJsonAsync("/accounts", new Account("alice", Opening), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await clients[0].PostAsJsonAsync("/accounts", new Account("bob", 0), Ct)).StatusCode);
        var before = await BalancesAsync(clients);

        (string Body, string ContentType, HttpStatusCode Status, string Title)[] invalid =
        [
            ("""{"from":"alice","to":"bob","amount":-5}""", "application/json", HttpStatusCode.BadRequest, "Invalid transfer"),
                ("""{"from":"alice","to":"bob","amount":0}""", "application/json", HttpStatusCode.BadRequest, "Invalid transfer"),
                ($$"""{"from":"bob","to":"alice","amount":{{long.MinValue}}}""", "application/json", HttpStatusCode.BadRequest, "Invalid transfer"),
                ("""{"from":"alice","to":"alice","amount":5}""", "application/json", HttpStatusCode.BadRequest, "Invalid transfer"),
                ("""{"to":"bob","amount":5}""", "application/json", HttpStatusCode.BadRequest, "Invalid transfer"),
                ($$"""{"from":"alice","to":"bob","amount":{{long.MaxValue}}}""", "application/json", HttpStatusCode.Conflict, "Insufficient funds"),
                ("""{"from":"alice","to":"bob","amount":1001}""", "application/json", HttpStatusCode.Conflict, "Insufficient funds"),
                ("""{"from":"alice","to":"bob","amount":99999999999999999999999}""", "application/json", HttpStatusCode.BadRequest, "Bad Request"),
                ("""{"from":"alice","to":"bob","amount":1e30}""", "application/json", HttpStatusCode.BadRequest, "Bad Request"),
                ("""{"from":"alice","to":"bob","amount":"five"}""", "application/json", HttpStatusCode.BadRequest, "Bad Request"),
                ("""{"from":"alice","to":"mallory","amount":5}""", "application/json", HttpStatusCode.NotFound, "Unknown account"),
                ("""{"from":"mallory","to":"bob","amount":5}""", "application/json", HttpStatusCode.NotFound, "Unknown account"),
                ("""{"from":"alice","to":""", "application/json", HttpStatusCode.BadRequest, "Bad Request"),
                ("""not json""", "application/json", HttpStatusCode.BadRequest, "Bad Request"),
                ("""[]""", "application/json", HttpStatusCode.BadRequest, "Bad Request"),
                ("", "application/json", HttpStatusCode.BadRequest, "Bad Request"),
                ("""{"from":"alice","to":"bob","amount":5}""", "text/plain", HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type"),
            ];
        for (var m = 0; m < clients.Count; m++)
        {
            foreach (var (body, contentType, status, title) in invalid)
            {
                var response = await clients[m].PostAsync("/transfers", new StringContent(body, Encoding.UTF8, contentType), Ct);
                var problem = await ProblemAsync(response);
                Assert.True(
                    (response.StatusCode, problem.Title) == (status, title),
                    $"member {m}: {contentType} {body}: {response.StatusCode} {problem.Title}: {problem.Detail}");
            }
        }

        // Not a commit anywhere: every member shows the balances, and the commit position, it showed before.
        Assert.Equal(before, await BalancesAsync(clients));
    }

    [Fact]
    public async Task A_commit_whose_outcome_is_unknown_is_answered_504_asking_to_check_before_retrying()
    {
        await using var servers = await ReplicatedBankServers.StartAsync(
            members: 1,
            map: app => app.MapPost("/lost-answer", IResult () => throw new CommitOutcomeUnknownException("The outcome of transaction 7 is unknown: the connection to the leader closed. It may have committed.")));
        var client = servers.Clients[0];

        var response = await client.PostAsync("/lost-answer", null, Ct);

        var problem = await ProblemAsync(response);
        Assert.Equal((HttpStatusCode.GatewayTimeout, "Outcome unknown: check before retrying"), (response.StatusCode, problem.Title));
        Assert.StartsWith("The outcome of transaction 7 is unknown", problem.Detail, StringComparison.Ordinal);
        Assert.EndsWith("?fresh=true) before sending it again.", problem.Detail, StringComparison.Ordinal);
    }

    private static string Own(int member) => $"teller{member}";

    private static async Task<Problem> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<Problem>(Ct))!;
    }

    /// <summary>Every member's total and balances after a read barrier.</summary>
    private static async Task<string> BalancesAsync(IReadOnlyList<HttpClient> clients)
    {
        var shown = new StringBuilder();
        foreach (var client in clients)
        {
            shown.AppendLine(await client.GetStringAsync("/total?fresh=true", Ct));
            foreach (var id in new[] { "alice", "bob" })
            {
                shown.AppendLine(await client.GetStringAsync($"/accounts/{id}?fresh=true", Ct));
            }
        }

        return shown.ToString();
    }

    private sealed record Problem(string Title, string? Detail);
}

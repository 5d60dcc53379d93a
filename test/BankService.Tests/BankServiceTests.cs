using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace BankService.Tests;

/// <summary>The bank service over real HTTP: its rules, and its promises under concurrency and restarts.</summary>
public sealed class BankServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_api_follows_the_banks_rules()
    {
        using var dir = new TempDirectory();
        await using var server = await BankServer.StartAsync(dir.Path);
        using var client = server.CreateClient();

        var opened = await client.PostAsJsonAsync("/accounts", new Account("alice", 100), Ct);
        await client.PostAsJsonAsync("/accounts", new Account("bob", 0), Ct);
        var reopened = await client.PostAsJsonAsync("/accounts", new Account("bob", 5), Ct);
        var transferred = await client.PostAsJsonAsync("/transfers", new Transfer("alice", "bob", 30), Ct);
        var overdrawn = await client.PostAsJsonAsync("/transfers", new Transfer("alice", "bob", 71), Ct);
        var unknown = await client.PostAsJsonAsync("/transfers", new Transfer("alice", "carol", 1), Ct);
        var zero = await client.PostAsJsonAsync("/transfers", new Transfer("alice", "bob", 0), Ct);
        var negative = await client.PostAsJsonAsync("/accounts", new Account("dave", -1), Ct);

        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        Assert.Equal("/accounts/alice", opened.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Conflict, reopened.StatusCode);
        Assert.Equal(new TransferReceipt(new("alice", 70), new("bob", 30)), await transferred.Content.ReadFromJsonAsync<TransferReceipt>(Ct));
        Assert.Equal((HttpStatusCode.Conflict, "Insufficient funds"), (overdrawn.StatusCode, (await ProblemAsync(overdrawn)).Title));
        Assert.Equal((HttpStatusCode.NotFound, "There is no account 'carol'."), (unknown.StatusCode, (await ProblemAsync(unknown)).Detail));
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(new Account("alice", 70), await client.GetFromJsonAsync<Account>("/accounts/alice", Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/accounts/carol", Ct)).StatusCode);
        Assert.Equal([new Account("bob", 30)], (await client.GetFromJsonAsync<Account[]>("/accounts?prefix=b", Ct))!);
        Assert.Equal("Healthy", await client.GetStringAsync("/health", Ct));
    }

    [Fact]
    public async Task Concurrent_transfers_conserve_the_total_and_every_acknowledged_one_survives_a_restart()
    {
        const int Accounts = 8, Clients = 16, TransfersPerClient = 25, InitialBalance = 1_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FLUXMAP_SEED"), out var s) ? s : Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"FLUXMAP_SEED={seed}");
        var ids = Enumerable.Range(0, Accounts).Select(i => $"acct-{i:D2}").ToArray();
        using var dir = new TempDirectory();
        var acknowledged = new ConcurrentBag<Transfer>();
        var refused = new ConcurrentBag<HttpStatusCode>();

        await using (var server = await BankServer.StartAsync(dir.Path))
        {
            using (var client = server.CreateClient())
            {
                foreach (var id in ids)
                {
                    (await client.PostAsJsonAsync("/accounts", new Account(id, InitialBalance), Ct)).EnsureSuccessStatusCode();
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
            {
                var random = new Random(seed + c);
                using var client = server.CreateClient();
                for (var i = 0; i < TransfersPerClient; i++)
                {
                    var from = random.Next(Accounts);
                    var to = (from + 1 + random.Next(Accounts - 1)) % Accounts;
                    var transfer = new Transfer(ids[from], ids[to], random.Next(1, 400));
                    var response = await client.PostAsJsonAsync("/transfers", transfer, Ct);
                    if (response.IsSuccessStatusCode)
                    {
                        acknowledged.Add(transfer);
                    }
                    else
                    {
                        // 409: insufficient funds; 503: still conflicting after the retries. Neither moved money.
                        Assert.True(response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable, $"{transfer}: {response.StatusCode}");
                        refused.Add(response.StatusCode);
                    }
                }
            }, Ct)));

            using var auditor = server.CreateClient();
            var live = (await auditor.GetFromJsonAsync<Account[]>("/accounts?prefix=acct-", Ct))!;
            Assert.Equal(Accounts * InitialBalance, live.Sum(a => a.Balance));
            Assert.All(live, a => Assert.True(a.Balance >= 0, $"{a} is overdrawn"));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{acknowledged.Count} transfers acknowledged, {refused.Count(c => c == HttpStatusCode.Conflict)} refused for funds, {refused.Count(c => c == HttpStatusCode.ServiceUnavailable)} for conflicts");
        Assert.True(acknowledged.Count >= Clients * TransfersPerClient / 4, $"only {acknowledged.Count} transfers went through");
        var expected = ids.ToDictionary(id => id, _ => (long)InitialBalance);
        foreach (var transfer in acknowledged)
        {
            expected[transfer.From] -= transfer.Amount;
            expected[transfer.To] += transfer.Amount;
        }

        await using var restarted = await BankServer.StartAsync(dir.Path);
        using var reader = restarted.CreateClient();
        var recovered = await reader.GetFromJsonAsync<Account[]>("/accounts", Ct);
        Assert.Equal(expected.Select(p => new Account(p.Key, p.Value)).OrderBy(a => a.Id, StringComparer.Ordinal), recovered!);
    }

    [Fact]
    public async Task A_transfer_that_would_overflow_a_balance_is_refused_and_moves_nothing()
    {
        using var dir = new TempDirectory();
        await using var server = await BankServer.StartAsync(dir.Path);
        using var client = server.CreateClient();
        await client.PostAsJsonAsync("/accounts", new Account("rich", long.MaxValue), Ct);
        await client.PostAsJsonAsync("/accounts", new Account("bob", 70), Ct);

        var overflow = await client.PostAsJsonAsync("/transfers", new Transfer("rich", "bob", long.MaxValue), Ct);

        Assert.Equal((HttpStatusCode.Conflict, "Balance limit"), (overflow.StatusCode, (await ProblemAsync(overflow)).Title));
        Assert.Equal([new Account("bob", 70), new Account("rich", long.MaxValue)], (await client.GetFromJsonAsync<Account[]>("/accounts", Ct))!);
    }

    [Theory]
    [InlineData("""{"to":"bob","amount":1}""")]
    [InlineData("""{"from":"alice","amount":1}""")]
    [InlineData("""{"from":null,"to":"bob","amount":1}""")]
    public async Task A_transfer_without_both_accounts_is_a_bad_request(string body)
    {
        using var dir = new TempDirectory();
        await using var server = await BankServer.StartAsync(dir.Path);
        using var client = server.CreateClient();
        await client.PostAsJsonAsync("/accounts", new Account("alice", 100), Ct);
        await client.PostAsJsonAsync("/accounts", new Account("bob", 0), Ct);

        var response = await client.PostAsync("/transfers", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal((HttpStatusCode.BadRequest, "Invalid transfer"), (response.StatusCode, (await ProblemAsync(response)).Title));
    }

    [Fact]
    public async Task A_body_that_does_not_bind_is_a_bad_request_saying_why()
    {
        using var dir = new TempDirectory();
        await using var server = await BankServer.StartAsync(dir.Path);
        using var client = server.CreateClient();
        string[] bodies =
        [
            """{"from":"alice","to":""",
            """{"from":"alice","to":"bob","amount":1.5}""",
            """{"from":"alice","to":"bob","amount":1e30}""",
            """{"from":"alice","to":"bob","amount":9223372036854775808}""",
            """{"id":"carol","balance":"lots"}""",
        ];

        foreach (var body in bodies)
        {
            var path = body.Contains("carol", StringComparison.Ordinal) ? "/accounts" : "/transfers";
            var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {response.StatusCode}");
            Assert.False(string.IsNullOrEmpty((await ProblemAsync(response)).Detail), body);
        }

        Assert.Empty((await client.GetFromJsonAsync<Account[]>("/accounts", Ct))!);
    }

    [Fact]
    public async Task Every_client_error_answers_with_problem_details()
    {
        using var dir = new TempDirectory();
        await using var server = await BankServer.StartAsync(dir.Path);
        using var client = server.CreateClient();

        var noRoute = await client.GetAsync("/nowhere", Ct);
        var wrongMethod = await client.DeleteAsync("/transfers", Ct);
        var wrongType = await client.PostAsync("/transfers", new StringContent("from=alice", Encoding.UTF8, "application/x-www-form-urlencoded"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, noRoute.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        foreach (var response in new[] { noRoute, wrongMethod, wrongType })
        {
            Assert.False(string.IsNullOrEmpty((await ProblemAsync(response)).Title), $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}");
        }
    }

    private static async Task<ProblemBody> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ProblemBody>(Ct))!;
    }

    private sealed record ProblemBody(string Title, string? Detail);
}

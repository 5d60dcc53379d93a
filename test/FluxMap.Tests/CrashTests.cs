using System.Diagnostics;
using FluxMap.CrashWorker;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// Kill -9 tests: a child process runs bank transfers on a durable database and reports every
/// acknowledged commit; the test kills it at a random point, reopens the directory and checks
/// the promises, then lets the next child continue on the same files (restart after restart).
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Full_mode_keeps_every_acknowledged_transfer_across_repeated_kills()
    {
        var acknowledged = new List<string>();
        var random = new Random(Seed());
        for (var kill = 0; kill < 10; kill++)
        {
            acknowledged.AddRange(await RunAndKillAsync("full", random.Next(1, 300)));

            await using var db = await OpenAsync(DurabilityMode.Full);
            var handle = db.CreateHandle();
            await AssertBankAsync(handle);
            foreach (var marker in acknowledged)
            {
                Assert.True(await handle.ContainsKeyAsync(marker, Ct), $"kill {kill}: acknowledged {marker} is missing");
            }
        }
    }

    [Fact]
    public async Task Relaxed_mode_recovers_a_prefix_of_the_commit_order_across_repeated_kills()
    {
        var random = new Random(Seed());
        var previous = 0L;
        for (var kill = 0; kill < 10; kill++)
        {
            await RunAndKillAsync("relaxed", random.Next(1, 300));

            await using var db = await OpenAsync(DurabilityMode.Relaxed);
            var handle = db.CreateHandle();
            await AssertBankAsync(handle);
            var next = (await handle.GetAsync(CrashModel.NextKey, Ct)).Value;
            var markers = (await handle.ScanPrefixAsync("tx:", Ct).ToListAsync()).Select(p => p.Key);
            Assert.Equal(Enumerable.Range(0, (int)next).Select(n => $"tx:{n:D8}"), markers);
            Assert.Equal(Replay(next), await BalancesAsync(handle));
            Assert.True(next >= previous, $"kill {kill}: recovered {next} commits after {previous} had been recovered before");
            previous = next;
        }
    }

    private static int Seed() =>
        Environment.GetEnvironmentVariable("FLUXMAP_SEED") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 20261123;

    private static long[] Replay(long transfers)
    {
        var balances = Enumerable.Repeat(CrashModel.InitialBalance, CrashModel.Accounts).ToArray();
        for (var n = 0L; n < transfers; n++)
        {
            var (from, to, amount) = CrashModel.RelaxedTransfer(n);
            if (balances[from] >= amount)
            {
                balances[from] -= amount;
                balances[to] += amount;
            }
        }

        return balances;
    }

    private static async Task<long[]> BalancesAsync(FluxHandle<string, long> handle) =>
        [.. (await handle.ScanPrefixAsync("acct:", Ct).ToListAsync()).Select(p => p.Value)];

    private static async Task AssertBankAsync(FluxHandle<string, long> handle)
    {
        var balances = await BalancesAsync(handle);
        Assert.Equal(CrashModel.Accounts, balances.Length);
        Assert.Equal(CrashModel.Accounts * CrashModel.InitialBalance, balances.Sum());
        Assert.All(balances, b => Assert.True(b >= 0));
    }

    private ValueTask<FluxDatabase<string, long>> OpenAsync(DurabilityMode mode) =>
        FluxDatabase.OpenAsync<string, long>(new FluxMapOptions { Durability = mode, DataDirectory = _dir.Path, WalSegmentSize = 64 * 1024 }, Ct);

    // Starts the worker, reads acknowledgements until `acks` arrived, then kills it (SIGKILL).
    private async Task<List<string>> RunAndKillAsync(string mode, int acks)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "FluxMap.CrashWorker.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [worker, _dir.Path, mode])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var acknowledged = new List<string>();
        try
        {
            Assert.Equal("ready", await process.StandardOutput.ReadLineAsync(Ct));
            while (acknowledged.Count < acks)
            {
                var line = await process.StandardOutput.ReadLineAsync(Ct)
                    ?? throw new InvalidOperationException($"The worker exited early: {await process.StandardError.ReadToEndAsync(Ct)}");
                acknowledged.Add(line["ack ".Length..]);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }

        return acknowledged;
    }
}

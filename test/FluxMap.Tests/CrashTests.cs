using System.Diagnostics;
using System.Globalization;
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
    public async Task Full_mode_keeps_every_acknowledged_transfer_and_delete_across_repeated_kills()
    {
        var acknowledged = new HashSet<string>();
        var deleted = new HashSet<string>();

        // A marker the killed commit (not acknowledged) was deleting may be present or gone: the
        // first recovery settles which, and every later one must agree.
        var unsettled = new List<string>();
        var settled = new Dictionary<string, bool>();
        var random = new Random(Seed());
        var work = new WorkerStats();
        for (var kill = 0; kill < 10; kill++)
        {
            var run = await RunAndKillAsync("full", random.Next(100, 1_500), work);
            acknowledged.UnionWith(run.Acknowledged);
            deleted.UnionWith(run.Deleted);
            unsettled.AddRange(run.Acknowledged
                .Select(marker => marker.Split(':'))
                .GroupBy(parts => (Run: parts[1], Writer: int.Parse(parts[2], CultureInfo.InvariantCulture)))
                .Select(writer => (writer.Key, Next: writer.Max(parts => int.Parse(parts[3], CultureInfo.InvariantCulture)) + 1))
                .Where(writer => CrashModel.FullDeletes(writer.Next) is not null)
                .Select(writer => CrashModel.FullMarker(writer.Key.Run, writer.Key.Writer, CrashModel.FullDeletes(writer.Next)!.Value)));

            await VerifyAndRestartAsync(DurabilityMode.Full, async handle =>
            {
                await AssertBankAsync(handle);
                foreach (var marker in unsettled)
                {
                    settled[marker] = await handle.ContainsKeyAsync(marker, Ct);
                }

                unsettled.Clear();
                foreach (var marker in acknowledged)
                {
                    var present = await handle.ContainsKeyAsync(marker, Ct);
                    if (settled.TryGetValue(marker, out var before))
                    {
                        Assert.True(present == before, $"kill {kill}: {marker} was {(before ? "present" : "gone")} after an earlier restart and is not now");
                    }
                    else if (deleted.Contains(marker))
                    {
                        Assert.False(present, $"kill {kill}: {marker}, whose delete was acknowledged, is back");
                    }
                    else
                    {
                        Assert.True(present, $"kill {kill}: acknowledged {marker} is missing");
                    }
                }
            });
        }

        work.AssertExercised(deletes: deleted.Count);
    }

    [Fact]
    public async Task Relaxed_mode_recovers_a_prefix_of_the_commit_order_across_repeated_kills()
    {
        var random = new Random(Seed());
        var previous = 0L;
        var work = new WorkerStats();
        for (var kill = 0; kill < 10; kill++)
        {
            await RunAndKillAsync("relaxed", random.Next(1_000, 20_000), work);

            await VerifyAndRestartAsync(DurabilityMode.Relaxed, async handle =>
            {
                await AssertBankAsync(handle);
                var next = (await handle.GetAsync(CrashModel.NextKey, Ct)).Value;

                // The markers of a prefix, deletes included: a marker a recovered commit deleted
                // stays deleted, one it did not is there.
                var markers = (await handle.ScanPrefixAsync("tx:", Ct).ToListAsync()).Select(p => p.Key);
                Assert.Equal(CrashModel.RelaxedMarkersAfter(next), markers);
                Assert.Equal(Replay(next), await BalancesAsync(handle));
                Assert.True(next >= previous, $"kill {kill}: recovered {next} commits after {previous} had been recovered before");
                previous = next;
            });
        }

        work.AssertExercised(deletes: previous / 2);
    }

    private static int Seed() => SeedOr(20261123);

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
        FluxDatabase.OpenAsync<string, long>(CrashModel.Options(_dir.Path, mode), Ct);

    // Opens the killed worker's files and checks them, then restarts once more: the second open
    // must find exactly what the first one recovered.
    private async Task VerifyAndRestartAsync(DurabilityMode mode, Func<FluxHandle<string, long>, Task> verify)
    {
        List<KeyValuePair<string, long>> recovered;
        await using (var db = await OpenAsync(mode))
        {
            var handle = db.CreateHandle();
            await verify(handle);
            recovered = await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync();
        }

        await using var reopened = await OpenAsync(mode);
        Assert.Equal(recovered, await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync());
    }

    // Starts the worker, reads its lines until `acks` commits were acknowledged, then kills it (SIGKILL).
    private async Task<(List<string> Acknowledged, List<string> Deleted)> RunAndKillAsync(string mode, int acks, WorkerStats work)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "FluxMap.CrashWorker.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [worker, _dir.Path, mode])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var acknowledged = new List<string>();
        var deleted = new List<string>();
        try
        {
            Assert.Equal("ready", await process.StandardOutput.ReadLineAsync(Ct));
            while (acknowledged.Count < acks)
            {
                Read(await process.StandardOutput.ReadLineAsync(Ct)
                    ?? throw new InvalidOperationException($"The worker exited early: {await process.StandardError.ReadToEndAsync(Ct)}"));
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }

        // What the worker printed before it died was acknowledged too: with it, only the commit
        // each writer had in flight is unknown.
        while (await process.StandardOutput.ReadLineAsync(Ct) is { } rest)
        {
            Read(rest);
        }

        return (acknowledged, deleted);

        void Read(string line)
        {
            var (kind, rest) = (line[..4], line[4..]);
            switch (kind)
            {
                case "ack ":
                    acknowledged.Add(rest);
                    break;
                case "del ":
                    deleted.Add(rest);
                    break;
                case "stat":
                    work.Add(rest);
                    break;
                default:
                    throw new InvalidOperationException($"The worker wrote '{line}'.");
            }
        }
    }

    // What the workers reported of the data file's machinery, so a change that stops the
    // workload from checkpointing or compacting fails the test instead of weakening it.
    private sealed class WorkerStats
    {
        private long _checkpoints;
        private long _compactions;

        public void Add(string line)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            _checkpoints = Math.Max(_checkpoints, fields[0]);
            _compactions = Math.Max(_compactions, fields[1]);
        }

        public void AssertExercised(long deletes)
        {
            Assert.True(_checkpoints > 0, "the workers never checkpointed");
            Assert.True(_compactions > 0, "the workers never compacted");
            Assert.True(deletes > 0, "the workers never deleted");
        }
    }
}

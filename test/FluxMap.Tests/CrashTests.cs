using System.Diagnostics;
using System.Globalization;
using FluxMap.CrashWorker;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// Kill -9 tests: a child process runs bank transfers on a durable database and reports every
/// acknowledged commit; the test kills it at a random point, reopens the directory and checks
/// the promises, then lets the next child continue on the same files (restart after restart).
/// The loss-window test instead starts each child on fresh files and counts what a kill took.
/// </summary>
public sealed class CrashTests : IDisposable
{
    /// <summary>Kills of the loss-window test: each is a worker start, up to 0.8 s of commits and two opens.</summary>
    private const int LossWindowRounds = 30;

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

    [Fact]
    public async Task Relaxed_mode_loses_at_most_twice_FlushAfterCommits_acknowledged_commits_when_committers_never_wait()
    {
        var random = new Random(Seed());
        var beyondWindow = new List<string>();
        var acknowledgedInAll = 0L;
        for (var round = 0; round < LossWindowRounds; round++)
        {
            var directory = Path.Combine(_dir.Path, $"window-{round}");
            var journalPath = directory + ".acks";
            await RunWindowAndKillAsync(directory, journalPath, TimeSpan.FromMilliseconds(random.Next(100, 800)));
            var journal = AckJournal.Read(journalPath);
            var acknowledged = new long[LossWindowModel.Loops];
            foreach (var (loop, commit) in journal.OfType<(int Loop, long Commit)>())
            {
                acknowledged[loop] = Math.Max(acknowledged[loop], commit);
            }

            var recovered = new (long Commit, long AcknowledgedBefore)[LossWindowModel.Loops];
            var balances = new long[CrashModel.Accounts];
            await VerifyAndRestartAsync(LossWindowModel.Options(directory), async handle =>
            {
                for (var loop = 0; loop < LossWindowModel.Loops; loop++)
                {
                    recovered[loop] = LossWindowModel.ReadProgress((await handle.GetAsync(LossWindowModel.ProgressKey(loop), Ct)).Value);
                }

                balances = await BalancesAsync(handle);
            });

            AssertPrefixOfCommitOrder(round, journal, acknowledged, recovered, balances);
            var lost = Enumerable.Range(0, LossWindowModel.Loops).Sum(loop => Math.Max(0, acknowledged[loop] - recovered[loop].Commit));
            var line = $"round {round}: acknowledged {acknowledged.Sum()}, recovered {recovered.Sum(r => r.Commit)}, lost {lost}";
            TestContext.Current.TestOutputHelper?.WriteLine(line);
            if (lost > LossWindowModel.MaxLoss)
            {
                beyondWindow.Add(line);
            }

            acknowledgedInAll += acknowledged.Sum();
            Directory.Delete(directory, recursive: true);
            File.Delete(journalPath);
        }

        Assert.True(
            beyondWindow.Count == 0,
            $"{beyondWindow.Count} of {LossWindowRounds} kills lost more than 2 x FlushAfterCommits = {LossWindowModel.MaxLoss} acknowledged commits: {string.Join("; ", beyondWindow)}");
        Assert.True(
            acknowledgedInAll > 4L * LossWindowModel.MaxLoss * LossWindowRounds,
            $"the loops got only {acknowledgedInAll} commits acknowledged in {LossWindowRounds} runs, too few for the window to be tested");
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

    // What survived a kill must be the state after a prefix of the commit order: no loop got back
    // a commit it never made (the one in flight at the kill may survive unacknowledged); a
    // surviving commit brings every commit acknowledged before it began, which precede it in the
    // commit order, however many loops apart; and the balances are those of exactly the surviving
    // commits, each whole (transfers commute, so the order within the prefix does not matter).
    private static void AssertPrefixOfCommitOrder(
        int round, (int Loop, long Commit)?[] journal, long[] acknowledged, (long Commit, long AcknowledgedBefore)[] recovered, long[] balances)
    {
        var expected = Enumerable.Repeat(CrashModel.InitialBalance, CrashModel.Accounts).ToArray();
        for (var loop = 0; loop < LossWindowModel.Loops; loop++)
        {
            var (survivor, before) = recovered[loop];
            Assert.True(survivor <= acknowledged[loop] + 1, $"round {round}: loop {loop} recovered its commit {survivor}, but only {acknowledged[loop]} were acknowledged");
            for (var i = 0; i < Math.Min(before, journal.Length); i++)
            {
                if (journal[i] is var (other, commit) && recovered[other].Commit < commit)
                {
                    Assert.Fail($"round {round}: loop {loop}'s commit {survivor} survived, but loop {other}'s commit {commit}, acknowledged before it began, was lost");
                }
            }

            for (var commit = 1L; LossWindowModel.Transfers(loop) && commit <= survivor; commit++)
            {
                var (from, to, amount) = LossWindowModel.Transfer(loop, commit);
                expected[from] -= amount;
                expected[to] += amount;
            }
        }

        Assert.Equal(expected, balances);
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

    // Opens the killed worker's files and checks them, then restarts once more: the second open
    // must find exactly what the first one recovered.
    private Task VerifyAndRestartAsync(DurabilityMode mode, Func<FluxHandle<string, long>, Task> verify) =>
        VerifyAndRestartAsync(CrashModel.Options(_dir.Path, mode), verify);

    private static async Task VerifyAndRestartAsync(FluxMapOptions options, Func<FluxHandle<string, long>, Task> verify)
    {
        List<KeyValuePair<string, long>> recovered;
        await using (var db = await FluxDatabase.OpenAsync<string, long>(options, Ct))
        {
            var handle = db.CreateHandle();
            await verify(handle);
            recovered = await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync();
        }

        await using var reopened = await FluxDatabase.OpenAsync<string, long>(options, Ct);
        Assert.Equal(recovered, await reopened.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync());
    }

    // Starts the worker, reads its lines until `acks` commits were acknowledged, then kills it (SIGKILL).
    private async Task<(List<string> Acknowledged, List<string> Deleted)> RunAndKillAsync(string mode, int acks, WorkerStats work)
    {
        using var process = StartWorker(_dir.Path, mode);
        var acknowledged = new List<string>();
        var deleted = new List<string>();
        try
        {
            Assert.Equal("ready", await NextLineAsync(process));
            while (acknowledged.Count < acks)
            {
                Read(await NextLineAsync(process));
            }
        }
        finally
        {
            await KillAsync(process);
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

    // Starts a loss-window worker on fresh files and kills it (SIGKILL) `after` its first commit returned.
    private static async Task RunWindowAndKillAsync(string directory, string journalPath, TimeSpan after)
    {
        using var process = StartWorker(directory, "window", journalPath);
        try
        {
            Assert.Equal("acknowledged", await NextLineAsync(process));

            // Not a wait for anything: the seed picks the kill point.
            await Task.Delay(after, Ct);
            if (process.HasExited)
            {
                Assert.Fail($"The worker stopped before the kill: {await process.StandardError.ReadToEndAsync(Ct)}");
            }
        }
        finally
        {
            await KillAsync(process);
        }
    }

    private static Process StartWorker(string directory, params string[] arguments) =>
        Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FluxMap.CrashWorker.dll"), directory, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;

    private static async Task<string> NextLineAsync(Process process) =>
        await process.StandardOutput.ReadLineAsync(Ct)
        ?? throw new InvalidOperationException($"The worker exited early: {await process.StandardError.ReadToEndAsync(Ct)}");

    private static async Task KillAsync(Process process)
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(Ct);
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

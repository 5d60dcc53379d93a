namespace FluxMap.CrashWorker;

/// <summary>The bank both the worker and the crash tests compute with.</summary>
public static class CrashModel
{
    public const int Accounts = 10;
    public const long InitialBalance = 1_000;
    public const string NextKey = "meta:next";

    /// <summary>How many commits a marker lives before its delete (unless it is one of every third, kept for good).</summary>
    public const int DeleteLag = 4;

    public static string Account(int index) => $"acct:{index:D2}";

    /// <summary>
    /// The worker's options: the data file flushes tiny batches every 2 ms over three shards,
    /// checkpoints every few milliseconds and compacts at a low garbage share; the log has small
    /// segments and a pool of two, so segments are released and recycled while the worker runs.
    /// </summary>
    public static FluxMapOptions Options(string directory, DurabilityMode mode) => new()
    {
        Durability = mode,
        DataDirectory = directory,
        WalSegmentSize = 64 * 1024,
        WalPoolSize = 2,
        FlushAfterCommits = 5,
        FlushInterval = TimeSpan.FromMilliseconds(2),
        WriteBehindInterval = TimeSpan.FromMilliseconds(2),
        WriteBehindMaxEntries = 16,
        WriteBehindShards = 3,
        CheckpointInterval = TimeSpan.FromMilliseconds(5),
        CompactionThreshold = 0.05,
    };

    /// <summary>A "stat" line: how much of the data file's machinery the worker has run so far.</summary>
    public static string Stats(FluxStatistics stats) => $"stat {stats.Checkpoints} {stats.Compactions} {stats.DataFileBytes}";

    /// <summary>Relaxed transfer n: a pure function of n, so the tests can replay a prefix.</summary>
    public static (int From, int To, long Amount) RelaxedTransfer(long n)
    {
        var from = (int)(n % Accounts);
        var to = (int)((n * 7 + 3) % Accounts);
        return (from, to == from ? (to + 1) % Accounts : to, (n % 50) + 1);
    }

    public static string RelaxedMarker(long n) => $"tx:{n:D8}";

    /// <summary>The marker relaxed commit <paramref name="n"/> deletes, if any.</summary>
    public static long? RelaxedDeletes(long n) => Deletes(n);

    /// <summary>The markers present after the first <paramref name="commits"/> relaxed commits, in key order.</summary>
    public static IEnumerable<string> RelaxedMarkersAfter(long commits)
    {
        for (var m = 0L; m < commits; m++)
        {
            if (m % 3 == 0 || m >= commits - DeleteLag)
            {
                yield return RelaxedMarker(m);
            }
        }
    }

    public static string FullMarker(string run, int writer, int n) => $"tx:{run}:{writer}:{n}";

    /// <summary>Which of its own older markers a full-mode writer's commit <paramref name="n"/> deletes, if any.</summary>
    public static int? FullDeletes(int n) => (int?)Deletes(n);

    /// <summary>Moves <paramref name="amount"/> when the source can pay; applies the same rule as a replay.</summary>
    public static async ValueTask TransferAsync(FluxTransaction<string, long> tx, int from, int to, long amount, CancellationToken cancellationToken)
    {
        if (from == to)
        {
            return;
        }

        var source = (await tx.GetAsync(Account(from), cancellationToken)).Value;
        if (source < amount)
        {
            return;
        }

        var target = (await tx.GetAsync(Account(to), cancellationToken)).Value;
        await tx.InsertAsync(Account(from), source - amount, cancellationToken);
        await tx.InsertAsync(Account(to), target + amount, cancellationToken);
    }

    // Commit n deletes marker n - DeleteLag unless that one is kept for good (every third), so the
    // data file holds both records that stay live and records that die, and extents turn sparse.
    private static long? Deletes(long n) => n >= DeleteLag && (n - DeleteLag) % 3 != 0 ? n - DeleteLag : null;
}

namespace FluxMap.CrashWorker;

/// <summary>
/// The loss-window workload both the worker and the crash test compute with: <see cref="Loops"/>
/// loops commit as fast as they can on a Relaxed database; the even ones run transfers between
/// CrashModel's accounts in transactions, the odd ones single-key autocommits. Every commit
/// writes its loop's progress key: which of the loop's commits it is, and how many commits the
/// journal had seen acknowledged when it began (those all precede it in the commit order).
/// </summary>
public static class LossWindowModel
{
    public const int Loops = 8;

    /// <summary>Small, so the documented window (twice this) is tight against thousands of commits a second.</summary>
    public const int FlushAfterCommits = 64;

    /// <summary>The documented window: at most this many acknowledged commits are lost in a crash.</summary>
    public const int MaxLoss = 2 * FlushAfterCommits;

    /// <summary>
    /// The workload's options: Relaxed with a small commit trigger and the default 10 ms
    /// interval. Transfers collide on the accounts; their retries neither back off nor give up,
    /// so a loop waits for nothing but its own commit.
    /// </summary>
    public static FluxMapOptions Options(string directory) => new()
    {
        Durability = DurabilityMode.Relaxed,
        DataDirectory = directory,
        FlushAfterCommits = FlushAfterCommits,
        FlushInterval = TimeSpan.FromMilliseconds(10),
        RetryBaseDelay = TimeSpan.Zero,
        MaxTransactionAttempts = int.MaxValue,
    };

    public static bool Transfers(int loop) => loop % 2 == 0;

    public static string ProgressKey(int loop) => $"loop:{loop}";

    /// <summary>Loop <paramref name="loop"/>'s commit <paramref name="commit"/> (from 1) moves money whatever the balances, so a set of commits gives the same balances in any order.</summary>
    public static (int From, int To, long Amount) Transfer(int loop, long commit)
    {
        var from = (int)((commit + (loop * 3)) % CrashModel.Accounts);
        var to = (from + 1 + (int)(((commit * 7) + loop) % (CrashModel.Accounts - 1))) % CrashModel.Accounts;
        return (from, to, ((commit * 13) + loop) % 50 + 1);
    }

    /// <summary>A progress value: the loop's commit number and the acknowledgements seen when it began.</summary>
    public static long Progress(long commit, long acknowledgedBefore) => (commit << 32) | acknowledgedBefore;

    public static (long Commit, long AcknowledgedBefore) ReadProgress(long progress) => (progress >> 32, progress & uint.MaxValue);
}

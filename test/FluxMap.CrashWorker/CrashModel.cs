namespace FluxMap.CrashWorker;

/// <summary>The bank both the worker and the crash tests compute with.</summary>
public static class CrashModel
{
    public const int Accounts = 10;
    public const long InitialBalance = 1_000;
    public const string NextKey = "meta:next";

    public static string Account(int index) => $"acct:{index:D2}";

    /// <summary>Relaxed transfer n: a pure function of n, so the tests can replay a prefix.</summary>
    public static (int From, int To, long Amount) RelaxedTransfer(long n)
    {
        var from = (int)(n % Accounts);
        var to = (int)((n * 7 + 3) % Accounts);
        return (from, to == from ? (to + 1) % Accounts : to, (n % 50) + 1);
    }

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
}

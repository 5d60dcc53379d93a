using System.Globalization;
using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>
/// Contended read-modify-write: workers move small amounts between few accounts, each transfer
/// one serializable transaction reading and writing two keys. Aborts and retries are counted
/// per commit, and the total of all balances is checked afterwards (it must not change).
/// </summary>
internal sealed class TransferWorkload(KeySpace accounts, int workers, long operations)
    : Workload("transfer", $"Contended transfers: {accounts.Loaded:N0} accounts, {workers} threads, one read-modify-write transaction of two keys each", workers, operations)
{
    /// <summary>Each account's balance when loaded.</summary>
    public const long InitialBalance = 1_000_000;

    /// <inheritdoc />
    public override string? Unsupported(StoreDefinition store) =>
        store.Features.HasFlag(StoreFeatures.Transactions) ? null : "no multi-key transactions";

    /// <inheritdoc />
    public override async ValueTask ExecuteAsync(IStoreSession session, WorkerState worker, long index)
    {
        var random = worker.Random;
        var from = random.NextInt64(accounts.Loaded);
        var to = (from + 1 + random.NextInt64(accounts.Loaded - 1)) % accounts.Loaded;
        var outcome = await session.TransferAsync(accounts[from], accounts[to], 1 + random.Next(10));
        worker.Attempts += outcome.Attempts;
        if (outcome.Committed)
        {
            worker.Commits++;
        }
        else
        {
            worker.GaveUp++;
        }
    }

    /// <inheritdoc />
    public override async ValueTask<string?> FinishAsync(IStoreSession session, IReadOnlyList<WorkerState> workers)
    {
        long total = 0;
        for (var i = 0L; i < accounts.Loaded; i++)
        {
            total += Account.Balance(await session.GetAsync(accounts[i]));
        }

        // Every attempt that did not commit was aborted (a conflict) and, unless it was the last, retried.
        var commits = workers.Sum(w => w.Commits);
        var aborts = workers.Sum(w => w.Attempts) - commits;
        var expected = accounts.Loaded * InitialBalance;
        var check = total == expected ? "balance total ok" : $"balance total WRONG ({total} ≠ {expected})";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"aborts/commit {(commits == 0 ? 0 : (double)aborts / commits):F3} ({aborts} aborts), gave up {workers.Sum(w => w.GaveUp)}, {check}");
    }
}

using System.Globalization;

namespace FluxMap.ClusterMember;

/// <summary>
/// What a member stores: a balance per account, and per account a ledger of the transfers that
/// moved its money, one key per entry (<c>ledger:007:000012</c>), so a ledger is a list that only
/// grows and whose order is the commit order: the shape an Elle-style list-append check reads.
/// </summary>
internal static class Bank
{
    internal const long Opening = 1_000;

    internal static async ValueTask OpenAccountsAsync(FluxTransaction<string, long> tx, int accounts, CancellationToken ct)
    {
        if ((await tx.GetAsync(Account(0), ct)).HasValue)
        {
            return;
        }

        for (var a = 0; a < accounts; a++)
        {
            await tx.InsertAsync(Account(a), Opening, ct);
        }
    }

    /// <summary>Moves money and appends <paramref name="id"/> to both ledgers; returns the two ledgers as read before the appends.</summary>
    internal static async ValueTask<(List<long> From, List<long> To)> TransferAsync(
        FluxTransaction<string, long> tx, long id, int from, int to, long amount, CancellationToken ct)
    {
        var fromLedger = await LedgerAsync(tx, from, ct);
        var toLedger = await LedgerAsync(tx, to, ct);
        var a = (await tx.GetAsync(Account(from), ct)).Value;
        var b = (await tx.GetAsync(Account(to), ct)).Value;
        await tx.InsertAsync(Account(from), a - amount, ct);
        await tx.InsertAsync(Account(to), b + amount, ct);

        // The next index of each ledger: a concurrent transfer on the same account writes the same key, a write-write conflict.
        await tx.InsertAsync(Entry(from, fromLedger.Count), id, ct);
        await tx.InsertAsync(Entry(to, toLedger.Count), id, ct);
        return (fromLedger, toLedger);
    }

    internal static async ValueTask<List<long>> LedgerAsync(FluxTransaction<string, long> tx, int account, CancellationToken ct)
    {
        var ledger = new List<long>();
        await foreach (var (_, id) in tx.ScanPrefixAsync(string.Create(CultureInfo.InvariantCulture, $"ledger:{account:D3}:"), ct))
        {
            ledger.Add(id);
        }

        return ledger;
    }

    internal static async ValueTask<long> TotalAsync(FluxTransaction<string, long> tx, CancellationToken ct)
    {
        var total = 0L;
        await foreach (var (_, balance) in tx.ScanPrefixAsync("acct:", ct))
        {
            total += balance;
        }

        return total;
    }

    /// <summary>A ledger on the protocol: ids joined by commas, "-" for an empty one.</summary>
    internal static string Format(List<long> ledger) => ledger.Count == 0 ? "-" : string.Join(',', ledger);

    private static string Account(int account) => string.Create(CultureInfo.InvariantCulture, $"acct:{account:D3}");

    private static string Entry(int account, int index) => string.Create(CultureInfo.InvariantCulture, $"ledger:{account:D3}:{index:D6}");
}

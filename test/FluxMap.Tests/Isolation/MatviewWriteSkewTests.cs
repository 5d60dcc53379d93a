using System.Globalization;

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's matview-write-skew spec (src/test/isolation/specs/matview-write-skew.spec;
/// outcomes from src/test/isolation/expected/matview-write-skew.out): s1 refreshes a summary
/// derived from the orders, s2 reads the summary and changes the orders. Any overlap is write
/// skew, and s2, committing second, must fail.
/// Orders orders:n hold "date|item|num"; the materialized view is kept as keys
/// order_summary:date|item holding the sum, and a concurrent refresh rewrites only the entries
/// that differ from a fresh aggregate of the orders.
/// </summary>
public sealed class MatviewWriteSkewTests : IsolationSpecTests<string, string>
{
    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(
            handle => IsolationSpec<string, string>.SeedAsync(
                handle,
                [
                    ("orders:1", "2022-04-01|apple|10"), ("orders:2", "2022-04-01|banana|20"),
                    ("order_summary:2022-04-01|apple", "10"), ("order_summary:2022-04-01|banana", "20"),
                    ("orders:3", "2022-04-02|apple|20"),
                ]))
        .Session("s1")
            .Begin("s1_begin")
            .Step("s1_refresh", RefreshAsync)
            .Commit("s1_commit")
        .Session("s2")
            .Begin("s2_begin")
            .Step("s2_read", async s => (await s.ScanPrefixAsync("order_summary:")).Max(e => e.Key.Split(':', '|')[1]))
            .Step("s2_insert", s => s.InsertAsync("orders:4", "2022-04-02|orange|15"))
            .Step("s2_update", async s =>
            {
                foreach (var (key, order) in await s.ScanPrefixAsync("orders:"))
                {
                    var fields = order.Split('|');
                    await s.InsertAsync(key, $"{fields[0]}|{fields[1]}|{int.Parse(fields[2], CultureInfo.InvariantCulture) + 1}");
                }
            })
            .Commit("s2_commit");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        s1_begin s2_begin s1_refresh s2_read s2_insert s1_commit s2_commit -> s2
        s1_begin s2_begin s1_refresh s2_read s2_update s1_commit s2_commit -> s2
        s1_begin s2_begin s2_read s1_refresh s2_insert s1_commit s2_commit -> s2
        s1_begin s2_begin s2_read s1_refresh s2_update s1_commit s2_commit -> s2
        s1_begin s2_begin s2_read s2_insert s1_refresh s1_commit s2_commit -> s2
        s1_begin s2_begin s2_read s2_update s1_refresh s1_commit s2_commit -> s2
        s1_begin s2_begin s1_refresh s2_insert s2_read s1_commit s2_commit -> s2
        s1_begin s2_begin s1_refresh s2_update s2_read s1_commit s2_commit -> s2
        """);

    private protected override IsolationSpec<string, string> Spec => Definition;

    private static async Task RefreshAsync(SpecSession<string, string> session)
    {
        var fresh = (await session.ScanPrefixAsync("orders:"))
            .Select(order => order.Value.Split('|'))
            .GroupBy(fields => $"order_summary:{fields[0]}|{fields[1]}", StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Sum(fields => int.Parse(fields[2], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var stale = (await session.ScanPrefixAsync("order_summary:")).ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        foreach (var key in stale.Keys.Where(key => !fresh.ContainsKey(key)))
        {
            await session.RemoveAsync(key);
        }

        foreach (var (key, sum) in fresh.Where(entry => !stale.TryGetValue(entry.Key, out var old) || old != entry.Value))
        {
            await session.InsertAsync(key, sum);
        }
    }
}

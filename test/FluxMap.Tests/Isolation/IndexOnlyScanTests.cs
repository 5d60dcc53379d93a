using System.Globalization;

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's index-only-scan spec (src/test/isolation/specs/index-only-scan.spec; outcomes from
/// src/test/isolation/expected/index-only-scan.out), every interleaving: each session deletes
/// from one table the row whose id is the smallest in the other table, found by an index-only
/// scan; run concurrently, each deletes the row the other read, so one must fail.
/// Tables tabx and taby become prefixes with zero-padded ids; "min(id)" is an ordered scan that
/// stops at its first row, so it depends on the keys up to that row only.
/// </summary>
public sealed class IndexOnlyScanTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(
                handle, Enumerable.Range(1, 10_000).SelectMany(id => new[] { (Row("tabx", id), id), (Row("taby", id), id) })))
        .Session("s1").Step("rxwy1", s => DeleteSmallestOfAsync(s, "tabx", "taby")).Commit("c1")
        .Session("s2").Step("rywx2", s => DeleteSmallestOfAsync(s, "taby", "tabx")).Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        rxwy1 c1 rywx2 c2 -> -
        rxwy1 rywx2 c1 c2 -> s2
        rxwy1 rywx2 c2 c1 -> s1
        rywx2 rxwy1 c1 c2 -> s2
        rywx2 rxwy1 c2 c1 -> s1
        rywx2 c2 rxwy1 c1 -> -
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<string, int> Spec => Definition;

    private static string Row(string table, int id) => $"{table}:{id.ToString("D5", CultureInfo.InvariantCulture)}";

    private static async Task DeleteSmallestOfAsync(SpecSession<string, int> session, string read, string delete)
    {
        var smallest = (await session.ScanPrefixAsync($"{read}:", limit: 1)).Single().Value;
        await session.RemoveAsync(Row(delete, smallest));
    }
}

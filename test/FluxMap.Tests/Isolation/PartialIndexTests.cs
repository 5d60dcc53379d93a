using System.Globalization;

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's partial-index spec (src/test/isolation/specs/partial-index.spec; outcomes from
/// src/test/isolation/expected/partial-index.out), every interleaving: each session reads the
/// rows of a partial index (rows with val2 = 1) and takes one of them out of it; overlapping,
/// each misses the other's change, so one must fail.
/// Rows test_t:rowid hold "id|val1|val2"; the partial index is kept as keys test_idx:id:rowid for
/// the rows with val2 = 1, and the steps read and maintain it as PostgreSQL's plan does.
/// </summary>
public sealed class PartialIndexTests : IsolationSpecTests<string, string>
{
    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(
            handle => IsolationSpec<string, string>.SeedAsync(handle, InitialRows()))
        .Session("s1")
            .Step("rxy1", ReadIndexedAsync)
            .Step("wx1", s => LeaveIndexAsync(s, 10))
            .Commit("c1")
        .Session("s2")
            .Step("wy2", s => LeaveIndexAsync(s, 9))
            .Step("rxy2", ReadIndexedAsync)
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        rxy1 wx1 c1 wy2 rxy2 c2 -> -
        rxy1 wx1 wy2 c1 rxy2 c2 -> s2
        rxy1 wx1 wy2 rxy2 c1 c2 -> s2
        rxy1 wx1 wy2 rxy2 c2 c1 -> s1
        rxy1 wy2 wx1 c1 rxy2 c2 -> s2
        rxy1 wy2 wx1 rxy2 c1 c2 -> s2
        rxy1 wy2 wx1 rxy2 c2 c1 -> s1
        rxy1 wy2 rxy2 wx1 c1 c2 -> s2
        rxy1 wy2 rxy2 wx1 c2 c1 -> s1
        rxy1 wy2 rxy2 c2 wx1 c1 -> s1
        wy2 rxy1 wx1 c1 rxy2 c2 -> s2
        wy2 rxy1 wx1 rxy2 c1 c2 -> s2
        wy2 rxy1 wx1 rxy2 c2 c1 -> s1
        wy2 rxy1 rxy2 wx1 c1 c2 -> s2
        wy2 rxy1 rxy2 wx1 c2 c1 -> s1
        wy2 rxy1 rxy2 c2 wx1 c1 -> s1
        wy2 rxy2 rxy1 wx1 c1 c2 -> s2
        wy2 rxy2 rxy1 wx1 c2 c1 -> s1
        wy2 rxy2 rxy1 c2 wx1 c1 -> s1
        wy2 rxy2 c2 rxy1 wx1 c1 -> -
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<string, string> Spec => Definition;

    private static string Number(int n) => n.ToString("D5", CultureInfo.InvariantCulture);

    // Ids 0 to 10000 with val2 = 2, then ids 0 to 10 again with val2 = 1, which the index holds.
    private static IEnumerable<(string, string)> InitialRows()
    {
        for (var id = 0; id <= 10_000; id++)
        {
            yield return ($"test_t:{Number(id + 1)}", $"{id}|a|2");
        }

        for (var id = 0; id <= 10; id++)
        {
            var row = Number(10_002 + id);
            yield return ($"test_t:{row}", $"{id}|a|1");
            yield return ($"test_idx:{Number(id)}:{row}", row);
        }
    }

    private static async Task<List<string>> ReadIndexedAsync(SpecSession<string, string> session)
    {
        var rows = new List<string>();
        foreach (var entry in await session.ScanPrefixAsync("test_idx:"))
        {
            rows.Add((await session.GetAsync($"test_t:{entry.Value}")).Value);
        }

        return rows;
    }

    private static async Task LeaveIndexAsync(SpecSession<string, string> session, int id)
    {
        foreach (var entry in await session.ScanPrefixAsync($"test_idx:{Number(id)}:"))
        {
            await session.UpdateAsync($"test_t:{entry.Value}", row => $"{row[..^1]}2");
            await session.RemoveAsync(entry.Key);
        }
    }
}

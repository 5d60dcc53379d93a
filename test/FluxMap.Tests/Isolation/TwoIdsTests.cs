namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's two-ids spec (src/test/isolation/specs/two-ids.spec; outcomes from
/// src/test/isolation/expected/two-ids.out), every interleaving: s1 increments the one row of
/// D1, s2 sets D2's row from D1, s3 reads D2. As in PostgreSQL, s2 fails whenever
/// s3 -rw-> s2 -rw-> s1 forms with s1 committed first. PostgreSQL's comment counts twelve of
/// these sixteen failures as false positives that only a read-only s3 would avoid; FluxMap too
/// spares only a read-only Tin, and only when its snapshot precedes Tout's commit, so it agrees.
/// Each table is a key prefix (D1:1, D2:1) read by a scan of the whole table.
/// </summary>
public sealed class TwoIdsTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, [("D1:1", 1), ("D2:1", 1)]))
        .Session("s1").Step("wx1", s => SetAllAsync(s, "D1:", id => id + 1)).Commit("c1")
        .Session("s2").Step("rxwy2", async s =>
        {
            var d1 = (await s.ScanPrefixAsync("D1:")).Single().Value;
            await SetAllAsync(s, "D2:", _ => d1 + 1);
        }).Commit("c2")
        .Session("s3").Step("ry3", s => s.ScanPrefixAsync("D2:")).Commit("c3");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        wx1 c1 rxwy2 c2 ry3 c3 -> -
        wx1 c1 rxwy2 ry3 c2 c3 -> -
        wx1 c1 rxwy2 ry3 c3 c2 -> -
        wx1 c1 ry3 rxwy2 c2 c3 -> -
        wx1 c1 ry3 rxwy2 c3 c2 -> -
        wx1 c1 ry3 c3 rxwy2 c2 -> -
        wx1 rxwy2 c1 c2 ry3 c3 -> -
        wx1 rxwy2 c1 ry3 c2 c3 -> s2
        wx1 rxwy2 c1 ry3 c3 c2 -> s2
        wx1 rxwy2 c2 c1 ry3 c3 -> -
        wx1 rxwy2 c2 ry3 c1 c3 -> -
        wx1 rxwy2 c2 ry3 c3 c1 -> -
        wx1 rxwy2 ry3 c1 c2 c3 -> s2
        wx1 rxwy2 ry3 c1 c3 c2 -> s2
        wx1 rxwy2 ry3 c2 c1 c3 -> -
        wx1 rxwy2 ry3 c2 c3 c1 -> -
        wx1 rxwy2 ry3 c3 c1 c2 -> -
        wx1 rxwy2 ry3 c3 c2 c1 -> -
        wx1 ry3 c1 rxwy2 c2 c3 -> -
        wx1 ry3 c1 rxwy2 c3 c2 -> -
        wx1 ry3 c1 c3 rxwy2 c2 -> -
        wx1 ry3 rxwy2 c1 c2 c3 -> s2
        wx1 ry3 rxwy2 c1 c3 c2 -> s2
        wx1 ry3 rxwy2 c2 c1 c3 -> -
        wx1 ry3 rxwy2 c2 c3 c1 -> -
        wx1 ry3 rxwy2 c3 c1 c2 -> -
        wx1 ry3 rxwy2 c3 c2 c1 -> -
        wx1 ry3 c3 c1 rxwy2 c2 -> -
        wx1 ry3 c3 rxwy2 c1 c2 -> -
        wx1 ry3 c3 rxwy2 c2 c1 -> -
        rxwy2 wx1 c1 c2 ry3 c3 -> -
        rxwy2 wx1 c1 ry3 c2 c3 -> s2
        rxwy2 wx1 c1 ry3 c3 c2 -> s2
        rxwy2 wx1 c2 c1 ry3 c3 -> -
        rxwy2 wx1 c2 ry3 c1 c3 -> -
        rxwy2 wx1 c2 ry3 c3 c1 -> -
        rxwy2 wx1 ry3 c1 c2 c3 -> s2
        rxwy2 wx1 ry3 c1 c3 c2 -> s2
        rxwy2 wx1 ry3 c2 c1 c3 -> -
        rxwy2 wx1 ry3 c2 c3 c1 -> -
        rxwy2 wx1 ry3 c3 c1 c2 -> -
        rxwy2 wx1 ry3 c3 c2 c1 -> -
        rxwy2 c2 wx1 c1 ry3 c3 -> -
        rxwy2 c2 wx1 ry3 c1 c3 -> -
        rxwy2 c2 wx1 ry3 c3 c1 -> -
        rxwy2 c2 ry3 wx1 c1 c3 -> -
        rxwy2 c2 ry3 wx1 c3 c1 -> -
        rxwy2 c2 ry3 c3 wx1 c1 -> -
        rxwy2 ry3 wx1 c1 c2 c3 -> s2
        rxwy2 ry3 wx1 c1 c3 c2 -> s2
        rxwy2 ry3 wx1 c2 c1 c3 -> -
        rxwy2 ry3 wx1 c2 c3 c1 -> -
        rxwy2 ry3 wx1 c3 c1 c2 -> -
        rxwy2 ry3 wx1 c3 c2 c1 -> -
        rxwy2 ry3 c2 wx1 c1 c3 -> -
        rxwy2 ry3 c2 wx1 c3 c1 -> -
        rxwy2 ry3 c2 c3 wx1 c1 -> -
        rxwy2 ry3 c3 wx1 c1 c2 -> -
        rxwy2 ry3 c3 wx1 c2 c1 -> -
        rxwy2 ry3 c3 c2 wx1 c1 -> -
        ry3 wx1 c1 rxwy2 c2 c3 -> -
        ry3 wx1 c1 rxwy2 c3 c2 -> -
        ry3 wx1 c1 c3 rxwy2 c2 -> -
        ry3 wx1 rxwy2 c1 c2 c3 -> s2
        ry3 wx1 rxwy2 c1 c3 c2 -> s2
        ry3 wx1 rxwy2 c2 c1 c3 -> -
        ry3 wx1 rxwy2 c2 c3 c1 -> -
        ry3 wx1 rxwy2 c3 c1 c2 -> -
        ry3 wx1 rxwy2 c3 c2 c1 -> -
        ry3 wx1 c3 c1 rxwy2 c2 -> -
        ry3 wx1 c3 rxwy2 c1 c2 -> -
        ry3 wx1 c3 rxwy2 c2 c1 -> -
        ry3 rxwy2 wx1 c1 c2 c3 -> s2
        ry3 rxwy2 wx1 c1 c3 c2 -> s2
        ry3 rxwy2 wx1 c2 c1 c3 -> -
        ry3 rxwy2 wx1 c2 c3 c1 -> -
        ry3 rxwy2 wx1 c3 c1 c2 -> -
        ry3 rxwy2 wx1 c3 c2 c1 -> -
        ry3 rxwy2 c2 wx1 c1 c3 -> -
        ry3 rxwy2 c2 wx1 c3 c1 -> -
        ry3 rxwy2 c2 c3 wx1 c1 -> -
        ry3 rxwy2 c3 wx1 c1 c2 -> -
        ry3 rxwy2 c3 wx1 c2 c1 -> -
        ry3 rxwy2 c3 c2 wx1 c1 -> -
        ry3 c3 wx1 c1 rxwy2 c2 -> -
        ry3 c3 wx1 rxwy2 c1 c2 -> -
        ry3 c3 wx1 rxwy2 c2 c1 -> -
        ry3 c3 rxwy2 wx1 c1 c2 -> -
        ry3 c3 rxwy2 wx1 c2 c1 -> -
        ry3 c3 rxwy2 c2 wx1 c1 -> -
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<string, int> Spec => Definition;

    private static async Task SetAllAsync(SpecSession<string, int> session, string table, Func<int, int> change)
    {
        foreach (var (key, id) in await session.ScanPrefixAsync(table))
        {
            await session.InsertAsync(key, change(id));
        }
    }
}

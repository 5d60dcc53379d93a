namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's total-cash spec (src/test/isolation/specs/total-cash.spec; outcomes from
/// src/test/isolation/expected/total-cash.out), every interleaving: each session withdraws 200
/// from one of two accounts and then sums both; overlapping, each total misses the other's
/// withdrawal, so one must fail. Accounts are keys accounts:name; the sum scans the prefix.
/// </summary>
public sealed class TotalCashTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, [("accounts:checking", 600), ("accounts:savings", 600)]))
        .Session("s1")
            .Step("wx1", s => s.UpdateAsync("accounts:checking", balance => balance - 200))
            .Step("rxy1", async s => (await s.ScanPrefixAsync("accounts:")).Sum(a => a.Value))
            .Commit("c1")
        .Session("s2")
            .Step("wy2", s => s.UpdateAsync("accounts:savings", balance => balance - 200))
            .Step("rxy2", async s => (await s.ScanPrefixAsync("accounts:")).Sum(a => a.Value))
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        wx1 rxy1 c1 wy2 rxy2 c2 -> -
        wx1 rxy1 wy2 c1 rxy2 c2 -> s2
        wx1 rxy1 wy2 rxy2 c1 c2 -> s2
        wx1 rxy1 wy2 rxy2 c2 c1 -> s1
        wx1 wy2 rxy1 c1 rxy2 c2 -> s2
        wx1 wy2 rxy1 rxy2 c1 c2 -> s2
        wx1 wy2 rxy1 rxy2 c2 c1 -> s1
        wx1 wy2 rxy2 rxy1 c1 c2 -> s2
        wx1 wy2 rxy2 rxy1 c2 c1 -> s1
        wx1 wy2 rxy2 c2 rxy1 c1 -> s1
        wy2 wx1 rxy1 c1 rxy2 c2 -> s2
        wy2 wx1 rxy1 rxy2 c1 c2 -> s2
        wy2 wx1 rxy1 rxy2 c2 c1 -> s1
        wy2 wx1 rxy2 rxy1 c1 c2 -> s2
        wy2 wx1 rxy2 rxy1 c2 c1 -> s1
        wy2 wx1 rxy2 c2 rxy1 c1 -> s1
        wy2 rxy2 wx1 rxy1 c1 c2 -> s2
        wy2 rxy2 wx1 rxy1 c2 c1 -> s1
        wy2 rxy2 wx1 c2 rxy1 c1 -> s1
        wy2 rxy2 c2 wx1 rxy1 c1 -> -
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<string, int> Spec => Definition;
}

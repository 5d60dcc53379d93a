namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's referential-integrity spec (src/test/isolation/specs/referential-integrity.spec;
/// outcomes from src/test/isolation/expected/referential-integrity.out), every interleaving: s1
/// checks that parent a 1 exists and adds a child row in b; s2 checks a 1 and that it has no
/// children, then deletes it. Any overlap must fail one of them.
/// Table a becomes key a:1; table b, which has no key, rows b:n holding a_id, found by a scan of
/// the whole table.
/// </summary>
public sealed class ReferentialIntegrityTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, [("a:1", 1)]))
        .Session("s1")
            .Step("rx1", s => s.GetAsync("a:1"))
            .Step("wy1", s => s.InsertAsync("b:1", 1))
            .Commit("c1")
        .Session("s2")
            .Step("rx2", s => s.GetAsync("a:1"))
            .Step("ry2", async s => (await s.ScanPrefixAsync("b:")).Where(r => r.Value == 1).ToList())
            .Step("wx2", s => s.RemoveAsync("a:1"))
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        rx1 wy1 c1 rx2 ry2 wx2 c2 -> -
        rx1 wy1 rx2 c1 ry2 wx2 c2 -> s2
        rx1 wy1 rx2 ry2 c1 wx2 c2 -> s2
        rx1 wy1 rx2 ry2 wx2 c1 c2 -> s2
        rx1 wy1 rx2 ry2 wx2 c2 c1 -> s1
        rx1 rx2 wy1 c1 ry2 wx2 c2 -> s2
        rx1 rx2 wy1 ry2 c1 wx2 c2 -> s2
        rx1 rx2 wy1 ry2 wx2 c1 c2 -> s2
        rx1 rx2 wy1 ry2 wx2 c2 c1 -> s1
        rx1 rx2 ry2 wy1 c1 wx2 c2 -> s2
        rx1 rx2 ry2 wy1 wx2 c1 c2 -> s2
        rx1 rx2 ry2 wy1 wx2 c2 c1 -> s1
        rx1 rx2 ry2 wx2 wy1 c1 c2 -> s2
        rx1 rx2 ry2 wx2 wy1 c2 c1 -> s1
        rx1 rx2 ry2 wx2 c2 wy1 c1 -> s1
        rx2 rx1 wy1 c1 ry2 wx2 c2 -> s2
        rx2 rx1 wy1 ry2 c1 wx2 c2 -> s2
        rx2 rx1 wy1 ry2 wx2 c1 c2 -> s2
        rx2 rx1 wy1 ry2 wx2 c2 c1 -> s1
        rx2 rx1 ry2 wy1 c1 wx2 c2 -> s2
        rx2 rx1 ry2 wy1 wx2 c1 c2 -> s2
        rx2 rx1 ry2 wy1 wx2 c2 c1 -> s1
        rx2 rx1 ry2 wx2 wy1 c1 c2 -> s2
        rx2 rx1 ry2 wx2 wy1 c2 c1 -> s1
        rx2 rx1 ry2 wx2 c2 wy1 c1 -> s1
        rx2 ry2 rx1 wy1 c1 wx2 c2 -> s2
        rx2 ry2 rx1 wy1 wx2 c1 c2 -> s2
        rx2 ry2 rx1 wy1 wx2 c2 c1 -> s1
        rx2 ry2 rx1 wx2 wy1 c1 c2 -> s2
        rx2 ry2 rx1 wx2 wy1 c2 c1 -> s1
        rx2 ry2 rx1 wx2 c2 wy1 c1 -> s1
        rx2 ry2 wx2 rx1 wy1 c1 c2 -> s2
        rx2 ry2 wx2 rx1 wy1 c2 c1 -> s1
        rx2 ry2 wx2 rx1 c2 wy1 c1 -> s1
        rx2 ry2 wx2 c2 rx1 wy1 c1 -> -
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<string, int> Spec => Definition;
}

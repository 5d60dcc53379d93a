namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's multiple-row-versions spec (src/test/isolation/specs/multiple-row-versions.spec;
/// outcome from src/test/isolation/expected/multiple-row-versions.out), its one permutation: t1
/// reads row 1000000 before t2 replaces it; t3, which sees t2's version, overwrites it and reads
/// row 500000 before t4 updates that; t4 reads row 1, which t1 updates last. The cycle runs
/// t1 -rw-> t2 -ww-> t3 -rw-> t4 -rw-> t1, and t1 is the one to fail: t3's rw-antidependency from
/// t1 does not exist, since t1 read the version t2 replaced, not the one t3 replaced.
/// Rows are int keys with their text as value. PostgreSQL's table holds every id up to 1000000
/// to spread the rows over many pages; only the three rows the steps touch are kept here, since
/// key-level tracking cannot see the others.
/// </summary>
public sealed class MultipleRowVersionsTests : IsolationSpecTests<int, string>
{
    private static readonly IsolationSpec<int, string> Definition = new IsolationSpec<int, string>(
            handle => IsolationSpec<int, string>.SeedAsync(handle, [(1, string.Empty), (500_000, string.Empty), (1_000_000, string.Empty)]))
        .Session("s1")
            .Step("rx1", s => s.GetAsync(1_000_000))
            .Step("wz1", s => s.UpdateAsync(1, _ => "a"))
            .Commit("c1")
        .Session("s2")
            .Step("wx2", s => s.UpdateAsync(1_000_000, _ => "b"))
            .Commit("c2")
        .Session("s3")
            .Step("wx3", s => s.UpdateAsync(1_000_000, _ => "c"))
            .Step("ry3", s => s.GetAsync(500_000))
            .Commit("c3")
        .Session("s4")
            .Step("wy4", s => s.UpdateAsync(500_000, _ => "d"))
            .Step("rz4", s => s.GetAsync(1))
            .Commit("c4");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        rx1 wx2 c2 wx3 ry3 wy4 rz4 c4 c3 wz1 c1 -> s1
        """);

    private protected override IsolationSpec<int, string> Spec => Definition;
}

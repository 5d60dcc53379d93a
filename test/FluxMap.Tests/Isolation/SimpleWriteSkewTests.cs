namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's simple-write-skew spec (src/test/isolation/specs/simple-write-skew.spec; outcomes
/// from src/test/isolation/expected/simple-write-skew.out), every interleaving: one session turns
/// every pear into an apple, the other every apple into a pear; run concurrently, one must fail.
/// Table test becomes int keys i with value t; each UPDATE scans the whole table.
/// </summary>
public sealed class SimpleWriteSkewTests : IsolationSpecTests<int, string>
{
    private static readonly IsolationSpec<int, string> Definition = new IsolationSpec<int, string>(
            handle => IsolationSpec<int, string>.SeedAsync(handle, [(5, "apple"), (7, "pear"), (11, "banana")]))
        .Session("s1").Step("rwx1", s => ReplaceAsync(s, "pear", "apple")).Commit("c1")
        .Session("s2").Step("rwx2", s => ReplaceAsync(s, "apple", "pear")).Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        rwx1 c1 rwx2 c2 -> -
        rwx1 rwx2 c1 c2 -> s2
        rwx1 rwx2 c2 c1 -> s1
        rwx2 rwx1 c1 c2 -> s2
        rwx2 rwx1 c2 c1 -> s1
        rwx2 c2 rwx1 c1 -> -
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<int, string> Spec => Definition;

    private static async Task ReplaceAsync(SpecSession<int, string> session, string from, string to)
    {
        foreach (var (key, value) in await session.ScanAsync(KeyRange<int>.All))
        {
            if (value == from)
            {
                await session.InsertAsync(key, to);
            }
        }
    }
}

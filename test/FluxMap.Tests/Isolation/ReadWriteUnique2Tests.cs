namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's read-write-unique-2 spec (src/test/isolation/specs/read-write-unique-2.spec;
/// outcomes from src/test/isolation/expected/read-write-unique-2.out): read-write-unique with the
/// read narrowed to the key itself.
/// </summary>
public sealed class ReadWriteUnique2Tests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = ReadWriteUniqueTests.ReadThenInsert(s => s.GetAsync("test:42"));

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        r1 r2 w1 w2 c1 c2 -> s2
        r1 w1 c1 r2 w2 c2 -> s2:unique
        """);

    private protected override IsolationSpec<string, int> Spec => Definition;
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's read-write-unique-3 spec (src/test/isolation/specs/read-write-unique-3.spec;
/// outcome from src/test/isolation/expected/read-write-unique-3.out): both sessions insert key 1
/// unless it exists, overlapping; the second must fail with a serialization failure.
/// </summary>
public sealed class ReadWriteUnique3Tests : IsolationSpecTests<string, string>
{
    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(_ => Task.CompletedTask)
        .Session("s1").Step("rw1", s => s.InsertIfAbsentAsync("test:1", "1")).Commit("c1")
        .Session("s2").Step("rw2", s => s.InsertIfAbsentAsync("test:1", "2")).Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        rw1 rw2 c1 c2 -> s2
        """);

    private protected override IsolationSpec<string, string> Spec => Definition;
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's read-write-unique spec (src/test/isolation/specs/read-write-unique.spec; outcomes
/// from src/test/isolation/expected/read-write-unique.out): both sessions read the whole table
/// and insert the same primary key. Overlapping, the second must fail with a serialization
/// failure rather than a unique violation (it could succeed on retry only if the first had not
/// committed); one after the other, the second sees the row and violates the key.
/// Table test becomes prefix test:; an insert checks the key is absent in its snapshot.
/// </summary>
public sealed class ReadWriteUniqueTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = ReadThenInsert(s => s.ScanPrefixAsync("test:"));

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        r1 r2 w1 w2 c1 c2 -> s2
        r1 w1 c1 r2 w2 c2 -> s2:unique
        """);

    private protected override IsolationSpec<string, int> Spec => Definition;

    /// <summary>Both sessions' steps, with the read step's statement.</summary>
    internal static IsolationSpec<string, int> ReadThenInsert(Func<SpecSession<string, int>, Task> read) =>
        new IsolationSpec<string, int>(_ => Task.CompletedTask)
            .Session("s1").Step("r1", read).Step("w1", s => s.InsertNewAsync("test:42", 42)).Commit("c1")
            .Session("s2").Step("r2", read).Step("w2", s => s.InsertNewAsync("test:42", 42)).Commit("c2");
}

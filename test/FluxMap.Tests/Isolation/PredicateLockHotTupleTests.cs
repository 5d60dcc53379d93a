namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's predicate-lock-hot-tuple spec (src/test/isolation/specs/predicate-lock-hot-tuple.spec;
/// outcome from src/test/isolation/expected/predicate-lock-hot-tuple.out): write skew over a row
/// that was updated once before the test (a heap-only tuple in PostgreSQL, whose predicate lock
/// must follow the update chain). Here the earlier update is simply an older version of key 7.
/// </summary>
public sealed class PredicateLockHotTupleTests : IsolationSpecTests<int, string>
{
    private static readonly IsolationSpec<int, string> Definition = new IsolationSpec<int, string>(async handle =>
        {
            await IsolationSpec<int, string>.SeedAsync(handle, [(5, "apple"), (7, "pear"), (11, "banana")]);
            await handle.InsertAsync(7, "pear_hot_updated", Fixture.Ct);
        })
        .Session("s1")
            .Begin("b1")
            .Step("r1", ReadBothAsync)
            .Step("w1", s => s.UpdateAsync(7, _ => "pear_xact1"))
            .Commit("c1")
        .Session("s2")
            .Begin("b2")
            .Step("r2", ReadBothAsync)
            .Step("w2", s => s.UpdateAsync(5, _ => "apple_xact2"))
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        b1 b2 r1 r2 w1 w2 c1 c2 -> s2
        """);

    private protected override IsolationSpec<int, string> Spec => Definition;

    private static async Task ReadBothAsync(SpecSession<int, string> session)
    {
        await session.GetAsync(5);
        await session.GetAsync(7);
    }
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's insert-conflict-do-nothing-2 spec (src/test/isolation/specs/insert-conflict-do-nothing-2.spec;
/// outcomes from src/test/isolation/expected/insert-conflict-do-nothing-2.out), its SERIALIZABLE
/// permutations (FluxMap has no REPEATABLE READ): both sessions insert key 1 unless it exists.
/// Overlapping, the second to commit must fail rather than silently do nothing.
/// The show step reads the table after the fact, outside any transaction: one row.
/// </summary>
public sealed class InsertConflictDoNothing2Tests : IsolationSpecTests<int, string>
{
    private static readonly IsolationSpec<int, string> Definition = new IsolationSpec<int, string>(_ => Task.CompletedTask)
        .Session("s1")
            .Begin("begins1")
            .Step("donothing1", s => s.InsertIfAbsentAsync(1, "donothing1"))
            .Commit("c1")
            .Outside("show", async handle => Assert.Single(await handle.ScanAsync(KeyRange<int>.All, cancellationToken: Fixture.Ct).ToListAsync()))
        .Session("s2")
            .Begin("begins2")
            .Step("donothing2", async s =>
            {
                await s.InsertIfAbsentAsync(1, "donothing2");
                await s.InsertIfAbsentAsync(1, "donothing3");
            })
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        begins1 begins2 donothing1 c1 donothing2 c2 show   -> -
        begins1 begins2 donothing2 c2 donothing1 c1 show   -> -
        begins1 begins2 donothing1 donothing2 c1 c2 show   -> s2
        begins1 begins2 donothing2 donothing1 c2 c1 show   -> s1
        """);

    private protected override IsolationSpec<int, string> Spec => Definition;
}

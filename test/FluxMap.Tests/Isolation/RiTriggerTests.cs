namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's ri-trigger spec (src/test/isolation/specs/ri-trigger.spec; outcomes from
/// src/test/isolation/expected/ri-trigger.out), every interleaving: referential integrity kept by
/// the application, as PostgreSQL's triggers keep it there. s1 adds a child of parent 0 after
/// checking the parent exists; s2 deletes parent 0 after checking it has no child. Any overlap
/// must fail one; run one after the other, the check itself refuses the second.
/// parent:0 is the parent row; child rows child:n hold their parent's id and are found by a scan
/// of the whole child table; a failed check rolls its transaction back like the trigger's error.
/// </summary>
public sealed class RiTriggerTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, [("parent:0", 0)]))
        .Session("s1")
            .Step("wxry1", async s =>
            {
                if (!(await s.GetAsync("parent:0")).HasValue)
                {
                    throw new ConstraintViolation("parent-missing");
                }

                await s.InsertAsync("child:1", 0);
            })
            .Commit("c1")
        .Session("s2")
            .TakeSnapshot("r2")
            .Step("wyrx2", async s =>
            {
                if ((await s.GetAsync("parent:0")).HasValue)
                {
                    if ((await s.ScanPrefixAsync("child:")).Exists(child => child.Value == 0))
                    {
                        throw new ConstraintViolation("child-exists");
                    }

                    await s.RemoveAsync("parent:0");
                }
            })
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        wxry1 c1 r2 wyrx2 c2 -> s2:child-exists
        wxry1 r2 c1 wyrx2 c2 -> s2
        wxry1 r2 wyrx2 c1 c2 -> s2
        wxry1 r2 wyrx2 c2 c1 -> s1
        r2 wxry1 c1 wyrx2 c2 -> s2
        r2 wxry1 wyrx2 c1 c2 -> s2
        r2 wxry1 wyrx2 c2 c1 -> s1
        r2 wyrx2 wxry1 c1 c2 -> s2
        r2 wyrx2 wxry1 c2 c1 -> s1
        r2 wyrx2 c2 wxry1 c1 -> s1:parent-missing
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<string, int> Spec => Definition;
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's update-conflict-out spec (src/test/isolation/specs/update-conflict-out.spec;
/// outcomes from src/test/isolation/expected/update-conflict-out.out): foo and bar form write
/// skew (each reads the key the other inserts), and bar reads foo's row only after a third
/// session has updated or deleted it without committing. bar must still see its dependency on
/// foo and fail. FluxMap never installs uncommitted versions, so the third session's change is
/// invisible to bar's read; it rolls back.
/// Tables txn0 and txn1 become prefixes; an INSERT is a plain write.
/// </summary>
public sealed class UpdateConflictOutTests : IsolationSpecTests<string, string>
{
    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(_ => Task.CompletedTask)
        .Session("foo")
            .Step("foo_select", s => s.GetAsync("txn0:42"))
            .Step("foo_insert", s => s.InsertAsync("txn1:7", "foo_insert"))
            .Commit("foo_commit")
        .Session("bar")
            .Step("bar_select", s => s.GetAsync("txn1:7"))
            .Step("bar_insert", s => s.InsertAsync("txn0:42", "bar_insert"))
            .Commit("bar_commit")
        .Session("trouble")
            .Step("trouble_update", s => s.UpdateAsync("txn1:7", _ => "add physical version for bar_select"))
            .Step("trouble_delete", s => s.RemoveAsync("txn1:7"))
            .Rollback("trouble_abort");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        foo_select bar_insert foo_insert foo_commit trouble_update bar_select bar_commit trouble_abort -> bar
        foo_select bar_insert foo_insert foo_commit trouble_delete bar_select bar_commit trouble_abort -> bar
        """);

    private protected override IsolationSpec<string, string> Spec => Definition;
}

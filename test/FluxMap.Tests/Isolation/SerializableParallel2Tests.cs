namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's serializable-parallel-2 spec (src/test/isolation/specs/serializable-parallel-2.spec;
/// outcome from src/test/isolation/expected/serializable-parallel-2.out): a read-only transaction
/// keeps counting a table after the only other transaction, which also just read it, has ended.
/// In PostgreSQL it checks the bookkeeping of parallel workers; here, that a read-only
/// transaction is not disturbed when the transactions it overlapped end. Nothing fails.
/// </summary>
public sealed class SerializableParallel2Tests : IsolationSpecTests<int, int>
{
    private static readonly IsolationSpec<int, int> Definition = new IsolationSpec<int, int>(
            handle => IsolationSpec<int, int>.SeedAsync(handle, Enumerable.Range(1, 100).Select(a => (a, a))))
        .Session("s1").Step("s1r", s => s.ScanAsync(KeyRange<int>.All)).Commit("s1c")
        .Session("s2", new TransactionOptions { ReadOnly = true })
            .Step("s2r1", s => s.ScanAsync(KeyRange<int>.All))
            .Step("s2r2", s => s.ScanAsync(KeyRange<int>.All))
            .Commit("s2c");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        s1r s2r1 s1c s2r2 s2c -> -
        """);

    private protected override IsolationSpec<int, int> Spec => Definition;
}

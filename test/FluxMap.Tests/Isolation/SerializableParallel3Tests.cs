namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's serializable-parallel-3 spec (src/test/isolation/specs/serializable-parallel-3.spec;
/// outcome from src/test/isolation/expected/serializable-parallel-3.out): two read-write and two
/// read-only transactions that only read one table, ending in a tangled order. In PostgreSQL it
/// checks parallel workers of a read-only transaction whose snapshot became safe; here, that
/// read-only transactions outlive the read-write ones undisturbed. Nothing fails.
/// </summary>
public sealed class SerializableParallel3Tests : IsolationSpecTests<int, int>
{
    private static readonly TransactionOptions ReadOnly = new() { ReadOnly = true };

    private static readonly IsolationSpec<int, int> Definition = new IsolationSpec<int, int>(
            handle => IsolationSpec<int, int>.SeedAsync(handle, Enumerable.Range(1, 10).Select(a => (a, a))))
        .Session("s1").Step("s1r", ReadAllAsync).Commit("s1c")
        .Session("s2", ReadOnly).Step("s2r1", ReadAllAsync).Step("s2r2", ReadAllAsync).Commit("s2c")
        .Session("s3").Step("s3r", ReadAllAsync).Commit("s3c")
        .Session("s4", ReadOnly).Step("s4r1", ReadAllAsync).Step("s4r2", ReadAllAsync).Commit("s4c");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        s1r s3r s2r1 s4r1 s1c s2r2 s3c s4r2 s4c s2c -> -
        """);

    private protected override IsolationSpec<int, int> Spec => Definition;

    private static Task<List<KeyValuePair<int, int>>> ReadAllAsync(SpecSession<int, int> session) => session.ScanAsync(KeyRange<int>.All);
}

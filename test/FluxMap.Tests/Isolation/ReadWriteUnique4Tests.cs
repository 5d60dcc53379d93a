namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's read-write-unique-4 spec (src/test/isolation/specs/read-write-unique-4.spec;
/// outcomes from src/test/isolation/expected/read-write-unique-4.out): each session takes the
/// next invoice number of 2016 (the largest plus one) and inserts it.
/// Invoices are keyed invoice:year:number; the largest is found by scanning the year's prefix.
/// </summary>
/// <remarks>
/// Differs from PostgreSQL where s2 inserts without having read the numbers (the last two
/// permutations): PostgreSQL makes s2's insert wait for s1 and then reports a unique violation;
/// FluxMap checks the key against s2's snapshot, where s1's row is not visible yet, buffers the
/// insert, and fails s2's commit with a (retryable) write-write serialization failure. Either
/// way s2 fails and only s1's row exists.
/// </remarks>
public sealed class ReadWriteUnique4Tests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, [("invoice:2016:0001", 1), ("invoice:2016:0002", 2)]))
        .Session("s1").Step("r1", NextNumberAsync).Step("w1", s => s.InsertNewAsync("invoice:2016:0003", 3)).Commit("c1")
        .Session("s2").Step("r2", NextNumberAsync).Step("w2", s => s.InsertNewAsync("invoice:2016:0003", 3)).Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        r1 r2 w1 w2 c1 c2 -> s2
        r1 w1 w2 c1 c2    -> s2 | postgres s2:unique
        r2 w1 w2 c1 c2    -> s2 | postgres s2:unique
        """);

    private protected override IsolationSpec<string, int> Spec => Definition;

    private static async Task<int> NextNumberAsync(SpecSession<string, int> session) =>
        (await session.ScanPrefixAsync("invoice:2016:")).Select(i => i.Value).DefaultIfEmpty(0).Max() + 1;
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's predicate-hash spec (src/test/isolation/specs/predicate-hash.spec; outcomes from
/// src/test/isolation/expected/predicate-hash.out): reads of one value through a hash index and
/// inserts of rows with that value (a conflict when they overlap) or with other values (none).
/// Rows hash_tbl:id hold p; the index is kept as keys hash_idx:p:id, so "where p = v" scans the
/// prefix of v.
/// </summary>
public sealed class PredicateHashTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, Enumerable.Range(1, 40).SelectMany(id => Row(id, ((id + 9) / 10) * 10))))
        .Session("s1")
            .Step("rxy1", s => SumAsync(s, 20))
            .Step("wx1", s => InsertAsync(s, 41, 30))
            .Step("rxy3", s => SumAsync(s, 20))
            .Step("wx3", s => InsertAsync(s, 41, 50))
            .Commit("c1")
        .Session("s2")
            .Step("rxy2", s => SumAsync(s, 30))
            .Step("wy2", s => InsertAsync(s, 51, 20))
            .Step("rxy4", s => SumAsync(s, 30))
            .Step("wy4", s => InsertAsync(s, 51, 60))
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(SharedOutcomes.IndexReadInsert);

    private protected override IsolationSpec<string, int> Spec => Definition;

    private static (string, int)[] Row(int id, int p) => [($"hash_tbl:{id:D2}", p), ($"hash_idx:{p:D2}:{id:D2}", p)];

    private static async Task<int> SumAsync(SpecSession<string, int> session, int p) =>
        (await session.ScanPrefixAsync($"hash_idx:{p:D2}:")).Sum(entry => entry.Value);

    // Ten rows with value p, ids from firstId on.
    private static async Task InsertAsync(SpecSession<string, int> session, int firstId, int p)
    {
        foreach (var (key, value) in Enumerable.Range(firstId, 10).SelectMany(id => Row(id, p)))
        {
            await session.InsertAsync(key, value);
        }
    }
}

using System.Globalization;

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's predicate-gist spec (src/test/isolation/specs/predicate-gist.spec; outcomes from
/// src/test/isolation/expected/predicate-gist.out): spatial reads ("points left of x" or "right of
/// x") through a GiST index and inserts of points inside the range read (a conflict when they
/// overlap) or elsewhere (none).
/// Every point lies on the diagonal, so the index is kept as keys gist:x:id ordered by x, and a
/// "left of" or "right of" read is a key range.
/// </summary>
public sealed class PredicateGistTests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, Enumerable.Range(1, 1000).Select(g => (Point(g * 10, g), g * 10))))
        .Session("s1")
            .Step("rxy1", s => SumAsync(s, 0, 2499))
            .Step("wx1", s => InsertAsync(s, 15, 20, 500))
            .Step("rxy3", s => SumAsync(s, 6001, 99_999))
            .Step("wx3", s => InsertAsync(s, 12, 18, 500))
            .Commit("c1")
        .Session("s2")
            .Step("rxy2", s => SumAsync(s, 7501, 99_999))
            .Step("wy2", s => InsertAsync(s, 1, 5, 500))
            .Step("rxy4", s => SumAsync(s, 0, 999))
            .Step("wy4", s => InsertAsync(s, 1, 20, 50))
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(SharedOutcomes.IndexReadInsert);

    private protected override IsolationSpec<string, int> Spec => Definition;

    private static string Point(int x, int id) => $"gist:{x.ToString("D5", CultureInfo.InvariantCulture)}:{id.ToString("D4", CultureInfo.InvariantCulture)}";

    private static async Task<int> SumAsync(SpecSession<string, int> session, int fromX, int toX) =>
        (await session.ScanAsync(KeyRange<string>.Between(Point(fromX, 0), Point(toX, 9999)))).Sum(point => point.Value);

    // Points (g * step, g * step) with id g, for g from first to last.
    private static async Task InsertAsync(SpecSession<string, int> session, int first, int last, int step)
    {
        for (var g = first; g <= last; g++)
        {
            await session.InsertAsync(Point(g * step, g), g * step);
        }
    }
}

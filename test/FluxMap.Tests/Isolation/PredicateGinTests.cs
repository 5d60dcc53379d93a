using System.Globalization;

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's predicate-gin spec (src/test/isolation/specs/predicate-gin.spec; outcomes from
/// src/test/isolation/expected/predicate-gin.out): s1 reads rows containing an element through a
/// GIN index and writes other_tbl; s2 counts other_tbl and inserts a row with an element that s1
/// read (a conflict) or did not (none), including one no row had before.
/// The inverted index is kept as keys gin:element:rowid; "p @> array[e]" scans the prefix of e.
/// Session s3's step turns on the index's pending list, which FluxMap has no equivalent of: a no-op.
/// </summary>
/// <remarks>
/// Differs from PostgreSQL, more precise, in two kinds of permutation:
/// <list type="bullet">
/// <item>ra1 with wa2: ra1 reads only the first row containing 1 ("limit 1"), so FluxMap traces
/// the index up to that entry, and s2's new row, whose entry sorts after it, does not change what
/// s1 read. PostgreSQL locks the index page and fails s2. Serializable here as s2 before s1.</item>
/// <item>with fu (fastupdate on), PostgreSQL locks the whole index, so a read of element 1 and an
/// insert of element 2 conflict; FluxMap's traces stay per key and both commit.</item>
/// </list>
/// </remarks>
public sealed class PredicateGinTests : IsolationSpecTests<string, int>
{
    private const string NewRow = "09000";

    private static readonly IsolationSpec<string, int> Definition = new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, InitialEntries()))
        .Session("s1")
            .Step("ra1", s => s.ScanPrefixAsync(Elements(1), limit: 1))
            .Step("rb1", s => s.ScanPrefixAsync(Elements(2)))
            .Step("rc1", s => s.ScanPrefixAsync(Elements(800)))
            .Step("rd1", s => s.ScanPrefixAsync(Elements(2000)))
            .Step("wo1", s => s.InsertAsync("other:1", 1))
            .Commit("c1")
        .Session("s2")
            .Step("ro2", s => s.ScanPrefixAsync("other:"))
            .Step("wa2", s => s.InsertAsync(Elements(1) + NewRow, 1))
            .Step("wb2", s => s.InsertAsync(Elements(2) + NewRow, 2))
            .Step("wc2", s => s.InsertAsync(Elements(800) + NewRow, 800))
            .Step("wd2", s => s.InsertAsync(Elements(2000) + NewRow, 2000))
            .Commit("c2")
        .Session("s3")
            .Outside("fu", _ => Task.CompletedTask);

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        ra1 ro2 wo1 c1 wa2 c2    -> - | postgres s2
        ro2 ra1 wo1 c1 wa2 c2    -> - | postgres s2
        ro2 ra1 wo1 wa2 c1 c2    -> - | postgres s2
        ra1 ro2 wa2 wo1 c1 c2    -> - | postgres s2
        rb1 ro2 wo1 c1 wb2 c2    -> s2
        ro2 rb1 wo1 c1 wb2 c2    -> s2
        ro2 rb1 wo1 wb2 c1 c2    -> s2
        rb1 ro2 wb2 wo1 c1 c2    -> s2
        rc1 ro2 wo1 c1 wc2 c2    -> s2
        ro2 rc1 wo1 c1 wc2 c2    -> s2
        ro2 rc1 wo1 wc2 c1 c2    -> s2
        rc1 ro2 wc2 wo1 c1 c2    -> s2
        ra1 ro2 wo1 c1 wb2 c2    -> -
        ro2 ra1 wo1 c1 wc2 c2    -> -
        ro2 rb1 wo1 wa2 c1 c2    -> -
        rc1 ro2 wa2 wo1 c1 c2    -> -
        rb1 ro2 wo1 c1 wa2 c2    -> -
        ro2 rb1 wo1 c1 wc2 c2    -> -
        ro2 ra1 wo1 wb2 c1 c2    -> -
        rc1 ro2 wb2 wo1 c1 c2    -> -
        rc1 ro2 wo1 c1 wa2 c2    -> -
        ro2 rc1 wo1 c1 wb2 c2    -> -
        ro2 ra1 wo1 wc2 c1 c2    -> -
        rb1 ro2 wc2 wo1 c1 c2    -> -
        fu ra1 ro2 wo1 c1 wa2 c2 -> - | postgres s2
        fu ra1 ro2 wo1 c1 wb2 c2 -> - | postgres s2
        ra1 ro2 wo1 c1 fu wa2 c2 -> - | postgres s2
        rd1 ro2 wo1 c1 wd2 c2    -> s2
        ro2 rd1 wo1 c1 wd2 c2    -> s2
        ro2 rd1 wo1 wd2 c1 c2    -> s2
        rd1 ro2 wd2 wo1 c1 c2    -> s2
        """);

    private protected override IsolationSpec<string, int> Spec => Definition;

    private static string Elements(int element) => $"gin:{element.ToString("D4", CultureInfo.InvariantCulture)}:";

    // 8192 rows holding {1}, then one row each holding {2} to {800}.
    private static IEnumerable<(string, int)> InitialEntries()
    {
        var row = 0;
        for (var i = 0; i < 8192; i++)
        {
            yield return (Elements(1) + (++row).ToString("D5", CultureInfo.InvariantCulture), 1);
        }

        for (var element = 2; element <= 800; element++)
        {
            yield return (Elements(element) + (++row).ToString("D5", CultureInfo.InvariantCulture), element);
        }
    }
}

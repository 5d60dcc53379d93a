namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's temporal-range-integrity spec (src/test/isolation/specs/temporal-range-integrity.spec;
/// outcomes from src/test/isolation/expected/temporal-range-integrity.out), every interleaving: s1
/// records an offense after checking that the statute was in force on its date; s2 repeals the
/// statute after checking that no offense cites it. Any overlap must fail one.
/// Statutes are keyed by citation and effective date (the primary key) and hold the expiry date
/// (empty for none); "in force on D" scans the citation's keys up to D. Offenses, keyed by number,
/// hold "citation|date" and are found by a scan of the whole table.
/// </summary>
public sealed class TemporalRangeIntegrityTests : IsolationSpecTests<string, string>
{
    private const string Cite = "123.45(1)a";
    private const string Statute = $"statute:{Cite}|2008-01-01";

    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(
            handle => IsolationSpec<string, string>.SeedAsync(handle, [(Statute, string.Empty)]))
        .Session("s1")
            .Step("rx1", async s => (await s.ScanAsync(KeyRange<string>.Between($"statute:{Cite}|", $"statute:{Cite}|2009-05-15")))
                .Count(v => v.Value.Length == 0 || string.CompareOrdinal(v.Value, "2009-05-15") > 0))
            .Step("wy1", s => s.InsertAsync("offense:1", $"{Cite}|2009-05-15"))
            .Commit("c1")
        .Session("s2")
            .Step("ry2", async s => (await s.ScanPrefixAsync("offense:")).Count(o => o.Value.Split('|') is [Cite, var date] && string.CompareOrdinal(date, "2008-01-01") >= 0))
            .Step("wx2", s => s.RemoveAsync(Statute))
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(SharedOutcomes.ReadThenWriteSkew, everyInterleaving: true);

    private protected override IsolationSpec<string, string> Spec => Definition;
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's receipt-report spec (src/test/isolation/specs/receipt-report.spec; outcomes from
/// src/test/isolation/expected/receipt-report.out), every interleaving: s1 files a receipt under
/// the current deposit date, s2 moves the date on, and read-only s3 reports the closed day. A
/// report that sees the new date but misses the receipt filed under the old one is not
/// serializable; only those interleavings may fail.
/// Tables become key prefixes: ctl:receipt holds the date, receipt:n holds "date|amount"; the
/// report scans every receipt (no index on the date), and UPDATE reads the row it changes.
/// </summary>
/// <remarks>
/// Differs from PostgreSQL in which transaction fails in two permutations (rxwy1 and wx2 in either
/// order, c2, the report, then c1): when s1 commits, the dangerous structure is report -rw-> s1
/// -rw-> s2 with s2 committed before the report's snapshot. PostgreSQL fails the pivot s1;
/// FluxMap fails the report instead, by design, since it is read-only and still running, so that
/// read-only work never costs a writer its commit. Either choice leaves the rest serializable.
/// </remarks>
public sealed class ReceiptReportTests : IsolationSpecTests<string, string>
{
    private const string Closed = "2008-12-22";

    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(
            handle => IsolationSpec<string, string>.SeedAsync(
                handle, [("ctl:receipt", Closed), ("receipt:1", $"{Closed}|1.00"), ("receipt:2", $"{Closed}|2.00")]))
        .Session("s1")
            .Step("rxwy1", async s => await s.InsertAsync("receipt:3", $"{(await s.GetAsync("ctl:receipt")).Value}|4.00"))
            .Commit("c1")
        .Session("s2")
            .Step("wx2", s => s.UpdateAsync("ctl:receipt", _ => "2008-12-23"))
            .Commit("c2")
        .Session("s3", new TransactionOptions { ReadOnly = true })
            .Step("rx3", s => s.GetAsync("ctl:receipt"))
            .Step("ry3", async s => (await s.ScanPrefixAsync("receipt:")).Where(r => r.Value.StartsWith(Closed, StringComparison.Ordinal)).ToList())
            .Commit("c3");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        rxwy1 c1 wx2 c2 rx3 ry3 c3 -> -
        rxwy1 c1 wx2 rx3 c2 ry3 c3 -> -
        rxwy1 c1 wx2 rx3 ry3 c2 c3 -> -
        rxwy1 c1 wx2 rx3 ry3 c3 c2 -> -
        rxwy1 c1 rx3 wx2 c2 ry3 c3 -> -
        rxwy1 c1 rx3 wx2 ry3 c2 c3 -> -
        rxwy1 c1 rx3 wx2 ry3 c3 c2 -> -
        rxwy1 c1 rx3 ry3 wx2 c2 c3 -> -
        rxwy1 c1 rx3 ry3 wx2 c3 c2 -> -
        rxwy1 c1 rx3 ry3 c3 wx2 c2 -> -
        rxwy1 wx2 c1 c2 rx3 ry3 c3 -> -
        rxwy1 wx2 c1 rx3 c2 ry3 c3 -> -
        rxwy1 wx2 c1 rx3 ry3 c2 c3 -> -
        rxwy1 wx2 c1 rx3 ry3 c3 c2 -> -
        rxwy1 wx2 c2 c1 rx3 ry3 c3 -> -
        rxwy1 wx2 c2 rx3 c1 ry3 c3 -> s3
        rxwy1 wx2 c2 rx3 ry3 c1 c3 -> s3 | postgres s1
        rxwy1 wx2 c2 rx3 ry3 c3 c1 -> s1
        rxwy1 wx2 rx3 c1 c2 ry3 c3 -> -
        rxwy1 wx2 rx3 c1 ry3 c2 c3 -> -
        rxwy1 wx2 rx3 c1 ry3 c3 c2 -> -
        rxwy1 wx2 rx3 c2 c1 ry3 c3 -> -
        rxwy1 wx2 rx3 c2 ry3 c1 c3 -> -
        rxwy1 wx2 rx3 c2 ry3 c3 c1 -> -
        rxwy1 wx2 rx3 ry3 c1 c2 c3 -> -
        rxwy1 wx2 rx3 ry3 c1 c3 c2 -> -
        rxwy1 wx2 rx3 ry3 c2 c1 c3 -> -
        rxwy1 wx2 rx3 ry3 c2 c3 c1 -> -
        rxwy1 wx2 rx3 ry3 c3 c1 c2 -> -
        rxwy1 wx2 rx3 ry3 c3 c2 c1 -> -
        rxwy1 rx3 c1 wx2 c2 ry3 c3 -> -
        rxwy1 rx3 c1 wx2 ry3 c2 c3 -> -
        rxwy1 rx3 c1 wx2 ry3 c3 c2 -> -
        rxwy1 rx3 c1 ry3 wx2 c2 c3 -> -
        rxwy1 rx3 c1 ry3 wx2 c3 c2 -> -
        rxwy1 rx3 c1 ry3 c3 wx2 c2 -> -
        rxwy1 rx3 wx2 c1 c2 ry3 c3 -> -
        rxwy1 rx3 wx2 c1 ry3 c2 c3 -> -
        rxwy1 rx3 wx2 c1 ry3 c3 c2 -> -
        rxwy1 rx3 wx2 c2 c1 ry3 c3 -> -
        rxwy1 rx3 wx2 c2 ry3 c1 c3 -> -
        rxwy1 rx3 wx2 c2 ry3 c3 c1 -> -
        rxwy1 rx3 wx2 ry3 c1 c2 c3 -> -
        rxwy1 rx3 wx2 ry3 c1 c3 c2 -> -
        rxwy1 rx3 wx2 ry3 c2 c1 c3 -> -
        rxwy1 rx3 wx2 ry3 c2 c3 c1 -> -
        rxwy1 rx3 wx2 ry3 c3 c1 c2 -> -
        rxwy1 rx3 wx2 ry3 c3 c2 c1 -> -
        rxwy1 rx3 ry3 c1 wx2 c2 c3 -> -
        rxwy1 rx3 ry3 c1 wx2 c3 c2 -> -
        rxwy1 rx3 ry3 c1 c3 wx2 c2 -> -
        rxwy1 rx3 ry3 wx2 c1 c2 c3 -> -
        rxwy1 rx3 ry3 wx2 c1 c3 c2 -> -
        rxwy1 rx3 ry3 wx2 c2 c1 c3 -> -
        rxwy1 rx3 ry3 wx2 c2 c3 c1 -> -
        rxwy1 rx3 ry3 wx2 c3 c1 c2 -> -
        rxwy1 rx3 ry3 wx2 c3 c2 c1 -> -
        rxwy1 rx3 ry3 c3 c1 wx2 c2 -> -
        rxwy1 rx3 ry3 c3 wx2 c1 c2 -> -
        rxwy1 rx3 ry3 c3 wx2 c2 c1 -> -
        wx2 rxwy1 c1 c2 rx3 ry3 c3 -> -
        wx2 rxwy1 c1 rx3 c2 ry3 c3 -> -
        wx2 rxwy1 c1 rx3 ry3 c2 c3 -> -
        wx2 rxwy1 c1 rx3 ry3 c3 c2 -> -
        wx2 rxwy1 c2 c1 rx3 ry3 c3 -> -
        wx2 rxwy1 c2 rx3 c1 ry3 c3 -> s3
        wx2 rxwy1 c2 rx3 ry3 c1 c3 -> s3 | postgres s1
        wx2 rxwy1 c2 rx3 ry3 c3 c1 -> s1
        wx2 rxwy1 rx3 c1 c2 ry3 c3 -> -
        wx2 rxwy1 rx3 c1 ry3 c2 c3 -> -
        wx2 rxwy1 rx3 c1 ry3 c3 c2 -> -
        wx2 rxwy1 rx3 c2 c1 ry3 c3 -> -
        wx2 rxwy1 rx3 c2 ry3 c1 c3 -> -
        wx2 rxwy1 rx3 c2 ry3 c3 c1 -> -
        wx2 rxwy1 rx3 ry3 c1 c2 c3 -> -
        wx2 rxwy1 rx3 ry3 c1 c3 c2 -> -
        wx2 rxwy1 rx3 ry3 c2 c1 c3 -> -
        wx2 rxwy1 rx3 ry3 c2 c3 c1 -> -
        wx2 rxwy1 rx3 ry3 c3 c1 c2 -> -
        wx2 rxwy1 rx3 ry3 c3 c2 c1 -> -
        wx2 c2 rxwy1 c1 rx3 ry3 c3 -> -
        wx2 c2 rxwy1 rx3 c1 ry3 c3 -> -
        wx2 c2 rxwy1 rx3 ry3 c1 c3 -> -
        wx2 c2 rxwy1 rx3 ry3 c3 c1 -> -
        wx2 c2 rx3 rxwy1 c1 ry3 c3 -> -
        wx2 c2 rx3 rxwy1 ry3 c1 c3 -> -
        wx2 c2 rx3 rxwy1 ry3 c3 c1 -> -
        wx2 c2 rx3 ry3 rxwy1 c1 c3 -> -
        wx2 c2 rx3 ry3 rxwy1 c3 c1 -> -
        wx2 c2 rx3 ry3 c3 rxwy1 c1 -> -
        wx2 rx3 rxwy1 c1 c2 ry3 c3 -> -
        wx2 rx3 rxwy1 c1 ry3 c2 c3 -> -
        wx2 rx3 rxwy1 c1 ry3 c3 c2 -> -
        wx2 rx3 rxwy1 c2 c1 ry3 c3 -> -
        wx2 rx3 rxwy1 c2 ry3 c1 c3 -> -
        wx2 rx3 rxwy1 c2 ry3 c3 c1 -> -
        wx2 rx3 rxwy1 ry3 c1 c2 c3 -> -
        wx2 rx3 rxwy1 ry3 c1 c3 c2 -> -
        wx2 rx3 rxwy1 ry3 c2 c1 c3 -> -
        wx2 rx3 rxwy1 ry3 c2 c3 c1 -> -
        wx2 rx3 rxwy1 ry3 c3 c1 c2 -> -
        wx2 rx3 rxwy1 ry3 c3 c2 c1 -> -
        wx2 rx3 c2 rxwy1 c1 ry3 c3 -> -
        wx2 rx3 c2 rxwy1 ry3 c1 c3 -> -
        wx2 rx3 c2 rxwy1 ry3 c3 c1 -> -
        wx2 rx3 c2 ry3 rxwy1 c1 c3 -> -
        wx2 rx3 c2 ry3 rxwy1 c3 c1 -> -
        wx2 rx3 c2 ry3 c3 rxwy1 c1 -> -
        wx2 rx3 ry3 rxwy1 c1 c2 c3 -> -
        wx2 rx3 ry3 rxwy1 c1 c3 c2 -> -
        wx2 rx3 ry3 rxwy1 c2 c1 c3 -> -
        wx2 rx3 ry3 rxwy1 c2 c3 c1 -> -
        wx2 rx3 ry3 rxwy1 c3 c1 c2 -> -
        wx2 rx3 ry3 rxwy1 c3 c2 c1 -> -
        wx2 rx3 ry3 c2 rxwy1 c1 c3 -> -
        wx2 rx3 ry3 c2 rxwy1 c3 c1 -> -
        wx2 rx3 ry3 c2 c3 rxwy1 c1 -> -
        wx2 rx3 ry3 c3 rxwy1 c1 c2 -> -
        wx2 rx3 ry3 c3 rxwy1 c2 c1 -> -
        wx2 rx3 ry3 c3 c2 rxwy1 c1 -> -
        rx3 rxwy1 c1 wx2 c2 ry3 c3 -> -
        rx3 rxwy1 c1 wx2 ry3 c2 c3 -> -
        rx3 rxwy1 c1 wx2 ry3 c3 c2 -> -
        rx3 rxwy1 c1 ry3 wx2 c2 c3 -> -
        rx3 rxwy1 c1 ry3 wx2 c3 c2 -> -
        rx3 rxwy1 c1 ry3 c3 wx2 c2 -> -
        rx3 rxwy1 wx2 c1 c2 ry3 c3 -> -
        rx3 rxwy1 wx2 c1 ry3 c2 c3 -> -
        rx3 rxwy1 wx2 c1 ry3 c3 c2 -> -
        rx3 rxwy1 wx2 c2 c1 ry3 c3 -> -
        rx3 rxwy1 wx2 c2 ry3 c1 c3 -> -
        rx3 rxwy1 wx2 c2 ry3 c3 c1 -> -
        rx3 rxwy1 wx2 ry3 c1 c2 c3 -> -
        rx3 rxwy1 wx2 ry3 c1 c3 c2 -> -
        rx3 rxwy1 wx2 ry3 c2 c1 c3 -> -
        rx3 rxwy1 wx2 ry3 c2 c3 c1 -> -
        rx3 rxwy1 wx2 ry3 c3 c1 c2 -> -
        rx3 rxwy1 wx2 ry3 c3 c2 c1 -> -
        rx3 rxwy1 ry3 c1 wx2 c2 c3 -> -
        rx3 rxwy1 ry3 c1 wx2 c3 c2 -> -
        rx3 rxwy1 ry3 c1 c3 wx2 c2 -> -
        rx3 rxwy1 ry3 wx2 c1 c2 c3 -> -
        rx3 rxwy1 ry3 wx2 c1 c3 c2 -> -
        rx3 rxwy1 ry3 wx2 c2 c1 c3 -> -
        rx3 rxwy1 ry3 wx2 c2 c3 c1 -> -
        rx3 rxwy1 ry3 wx2 c3 c1 c2 -> -
        rx3 rxwy1 ry3 wx2 c3 c2 c1 -> -
        rx3 rxwy1 ry3 c3 c1 wx2 c2 -> -
        rx3 rxwy1 ry3 c3 wx2 c1 c2 -> -
        rx3 rxwy1 ry3 c3 wx2 c2 c1 -> -
        rx3 wx2 rxwy1 c1 c2 ry3 c3 -> -
        rx3 wx2 rxwy1 c1 ry3 c2 c3 -> -
        rx3 wx2 rxwy1 c1 ry3 c3 c2 -> -
        rx3 wx2 rxwy1 c2 c1 ry3 c3 -> -
        rx3 wx2 rxwy1 c2 ry3 c1 c3 -> -
        rx3 wx2 rxwy1 c2 ry3 c3 c1 -> -
        rx3 wx2 rxwy1 ry3 c1 c2 c3 -> -
        rx3 wx2 rxwy1 ry3 c1 c3 c2 -> -
        rx3 wx2 rxwy1 ry3 c2 c1 c3 -> -
        rx3 wx2 rxwy1 ry3 c2 c3 c1 -> -
        rx3 wx2 rxwy1 ry3 c3 c1 c2 -> -
        rx3 wx2 rxwy1 ry3 c3 c2 c1 -> -
        rx3 wx2 c2 rxwy1 c1 ry3 c3 -> -
        rx3 wx2 c2 rxwy1 ry3 c1 c3 -> -
        rx3 wx2 c2 rxwy1 ry3 c3 c1 -> -
        rx3 wx2 c2 ry3 rxwy1 c1 c3 -> -
        rx3 wx2 c2 ry3 rxwy1 c3 c1 -> -
        rx3 wx2 c2 ry3 c3 rxwy1 c1 -> -
        rx3 wx2 ry3 rxwy1 c1 c2 c3 -> -
        rx3 wx2 ry3 rxwy1 c1 c3 c2 -> -
        rx3 wx2 ry3 rxwy1 c2 c1 c3 -> -
        rx3 wx2 ry3 rxwy1 c2 c3 c1 -> -
        rx3 wx2 ry3 rxwy1 c3 c1 c2 -> -
        rx3 wx2 ry3 rxwy1 c3 c2 c1 -> -
        rx3 wx2 ry3 c2 rxwy1 c1 c3 -> -
        rx3 wx2 ry3 c2 rxwy1 c3 c1 -> -
        rx3 wx2 ry3 c2 c3 rxwy1 c1 -> -
        rx3 wx2 ry3 c3 rxwy1 c1 c2 -> -
        rx3 wx2 ry3 c3 rxwy1 c2 c1 -> -
        rx3 wx2 ry3 c3 c2 rxwy1 c1 -> -
        rx3 ry3 rxwy1 c1 wx2 c2 c3 -> -
        rx3 ry3 rxwy1 c1 wx2 c3 c2 -> -
        rx3 ry3 rxwy1 c1 c3 wx2 c2 -> -
        rx3 ry3 rxwy1 wx2 c1 c2 c3 -> -
        rx3 ry3 rxwy1 wx2 c1 c3 c2 -> -
        rx3 ry3 rxwy1 wx2 c2 c1 c3 -> -
        rx3 ry3 rxwy1 wx2 c2 c3 c1 -> -
        rx3 ry3 rxwy1 wx2 c3 c1 c2 -> -
        rx3 ry3 rxwy1 wx2 c3 c2 c1 -> -
        rx3 ry3 rxwy1 c3 c1 wx2 c2 -> -
        rx3 ry3 rxwy1 c3 wx2 c1 c2 -> -
        rx3 ry3 rxwy1 c3 wx2 c2 c1 -> -
        rx3 ry3 wx2 rxwy1 c1 c2 c3 -> -
        rx3 ry3 wx2 rxwy1 c1 c3 c2 -> -
        rx3 ry3 wx2 rxwy1 c2 c1 c3 -> -
        rx3 ry3 wx2 rxwy1 c2 c3 c1 -> -
        rx3 ry3 wx2 rxwy1 c3 c1 c2 -> -
        rx3 ry3 wx2 rxwy1 c3 c2 c1 -> -
        rx3 ry3 wx2 c2 rxwy1 c1 c3 -> -
        rx3 ry3 wx2 c2 rxwy1 c3 c1 -> -
        rx3 ry3 wx2 c2 c3 rxwy1 c1 -> -
        rx3 ry3 wx2 c3 rxwy1 c1 c2 -> -
        rx3 ry3 wx2 c3 rxwy1 c2 c1 -> -
        rx3 ry3 wx2 c3 c2 rxwy1 c1 -> -
        rx3 ry3 c3 rxwy1 c1 wx2 c2 -> -
        rx3 ry3 c3 rxwy1 wx2 c1 c2 -> -
        rx3 ry3 c3 rxwy1 wx2 c2 c1 -> -
        rx3 ry3 c3 wx2 rxwy1 c1 c2 -> -
        rx3 ry3 c3 wx2 rxwy1 c2 c1 -> -
        rx3 ry3 c3 wx2 c2 rxwy1 c1 -> -
        """,
        everyInterleaving: true);

    private protected override IsolationSpec<string, string> Spec => Definition;
}

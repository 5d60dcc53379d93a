namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's read-only-anomaly-3 spec (src/test/isolation/specs/read-only-anomaly-3.spec;
/// outcome from src/test/isolation/expected/read-only-anomaly-3.out): the read-only anomaly of
/// read-only-anomaly-2 with a deferrable report. The report's read waits until s2 has ended,
/// then reads a snapshot that includes s2's withdrawal, and nothing fails.
/// </summary>
public sealed class ReadOnlyAnomaly3Tests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = BankAccounts.Spec(new TransactionOptions { ReadOnly = true, Deferrable = true });

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        s2rx s2ry s1ry s1wy s1c s3r s2wx s2c s3c -> -
        """);

    private protected override IsolationSpec<string, int> Spec => Definition;

    [Fact]
    public async Task The_report_waits_until_the_withdrawal_ends_and_then_sees_it()
    {
        // As PostgreSQL's expected output shows: s3r waits, and completes after s2c with X = -11, Y = 20.
        var log = await Definition.RunAsync("s2rx s2ry s1ry s1wy s1c s3r s2wx s2c s3c", "-", "-");

        Assert.Equal(
            [
                "s2rx: get bank_account:X = 0",
                "s2ry: get bank_account:Y = 0",
                "s1ry: get bank_account:Y = 0",
                "s1wy: get bank_account:Y = 0; put bank_account:Y = 20",
                "s1c",
                "s3r: waiting",
                "s2wx: get bank_account:X = 0; put bank_account:X = -11",
                "s2c",
                "s3r: get bank_account:X = -11; get bank_account:Y = 20",
                "s3c",
            ],
            log);
    }
}

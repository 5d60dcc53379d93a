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
}

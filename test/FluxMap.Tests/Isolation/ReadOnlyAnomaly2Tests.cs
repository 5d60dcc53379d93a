namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's read-only-anomaly-2 spec (src/test/isolation/specs/read-only-anomaly-2.spec;
/// outcomes from src/test/isolation/expected/read-only-anomaly-2.out): Fekete, O'Neil and
/// O'Neil's read-only anomaly. s2 withdraws from X with an overdraft fee judged on X + Y, s1
/// deposits 20 into Y, s3 reports both balances. When s3 sees s1's deposit but not s2's
/// withdrawal, s2 may no longer commit. PostgreSQL fails s2 at its write; the permutation ends
/// before s2's commit, which the runner adds, and FluxMap fails s2 there.
/// Accounts are keys bank_account:X and bank_account:Y; the report reads both by key.
/// PostgreSQL's serializable-parallel spec is this one with the report run by parallel workers,
/// same steps, same outcomes; FluxMap has no parallel query, so this test covers it too.
/// </summary>
public sealed class ReadOnlyAnomaly2Tests : IsolationSpecTests<string, int>
{
    private static readonly IsolationSpec<string, int> Definition = BankAccounts.Spec(s3: null);

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(
        """
        s2rx s2ry s1ry s1wy s1c s2wx s2c s3c -> -
        s2rx s2ry s1ry s1wy s1c s3r s3c s2wx -> s2
        """);

    private protected override IsolationSpec<string, int> Spec => Definition;
}

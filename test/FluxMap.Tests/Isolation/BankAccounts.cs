namespace FluxMap.Tests.Isolation;

/// <summary>
/// The bank_account sessions shared by PostgreSQL's read-only-anomaly-2 and read-only-anomaly-3
/// specs, which differ only in how the reporting session s3 begins.
/// </summary>
internal static class BankAccounts
{
    internal static IsolationSpec<string, int> Spec(TransactionOptions? s3) => new IsolationSpec<string, int>(
            handle => IsolationSpec<string, int>.SeedAsync(handle, [("bank_account:X", 0), ("bank_account:Y", 0)]))
        .Session("s1")
            .Step("s1ry", s => s.GetAsync("bank_account:Y"))
            .Step("s1wy", s => s.UpdateAsync("bank_account:Y", _ => 20))
            .Commit("s1c")
        .Session("s2")
            .Step("s2rx", s => s.GetAsync("bank_account:X"))
            .Step("s2ry", s => s.GetAsync("bank_account:Y"))
            .Step("s2wx", s => s.UpdateAsync("bank_account:X", _ => -11))
            .Commit("s2c")
        .Session("s3", s3)
            .Step("s3r", async s =>
            {
                await s.GetAsync("bank_account:X");
                await s.GetAsync("bank_account:Y");
            })
            .Commit("s3c");
}

namespace ReplicatedBank;

/// <summary>The answer of GET /total: the sum of every balance as this member shows it, and the commit it shows.</summary>
public sealed record BankTotal(long Total, int Accounts, long Position);

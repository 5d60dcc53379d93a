namespace BankService;

/// <summary>An account and its balance in cents: the body of POST /accounts and of the answers.</summary>
public sealed record Account(string Id, long Balance);

namespace BankService;

/// <summary>Moves <paramref name="Amount"/> cents from one account to another: the body of POST /transfers.</summary>
public sealed record Transfer(string From, string To, long Amount);

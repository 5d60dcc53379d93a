namespace BankService;

/// <summary>Both accounts as the transfer left them.</summary>
public sealed record TransferReceipt(Account From, Account To);

using FluxMap;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BankService;

/// <summary>Builds the bank service; Program runs it, tests start it on a free port.</summary>
public static class BankServiceApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Account id -> balance in cents, opened when the app starts and flushed when it stops.
        builder.Services.AddFluxMap<string, long>(builder.Configuration.GetSection("FluxMap"));
        builder.Services.AddHealthChecks().AddFluxMap<string, long>();
        builder.Services.AddBankErrors();

        var app = builder.Build();
        app.UseBankErrors();
        app.MapPost("/accounts", OpenAccountAsync);
        app.MapGet("/accounts/{id}", GetAccountAsync);
        app.MapGet("/accounts", (FluxHandle<string, long> accounts, string? prefix, CancellationToken cancellationToken) =>
            TypedResults.Ok(accounts.ScanPrefixAsync(prefix ?? "", cancellationToken).Select(pair => new Account(pair.Key, pair.Value))));
        app.MapPost("/transfers", TransferAsync);
        app.MapHealthChecks("/health");
        return app;
    }

    private static async Task<Results<Created<Account>, ProblemHttpResult>> OpenAccountAsync(Account account, FluxHandle<string, long> accounts, CancellationToken cancellationToken) =>
        BankRules.Invalid(account) ?? (Results<Created<Account>, ProblemHttpResult>)await accounts.TransactionAsync((tx, ct) => BankRules.OpenAsync(tx, account, ct), cancellationToken);

    private static async Task<Results<Ok<Account>, ProblemHttpResult>> GetAccountAsync(string id, FluxHandle<string, long> accounts, CancellationToken cancellationToken)
    {
        var balance = await accounts.GetAsync(id, cancellationToken);
        return balance.HasValue ? TypedResults.Ok(new Account(id, balance.Value)) : BankRules.UnknownAccount(id);
    }

    private static async Task<Results<Ok<TransferReceipt>, ProblemHttpResult>> TransferAsync(Transfer transfer, FluxHandle<string, long> accounts, CancellationToken cancellationToken) =>
        BankRules.Invalid(transfer) ?? (Results<Ok<TransferReceipt>, ProblemHttpResult>)await accounts.TransactionAsync((tx, ct) => BankRules.TransferAsync(tx, transfer, ct), cancellationToken);
}

using System.Text.Json;
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
        // Every error answers with problem details. A body that does not bind (malformed JSON, 1.5 or
        // a number out of range for a balance) is thrown as BadHttpRequestException rather than
        // answered with an empty 400, so the handler below can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (context.Exception is BadHttpRequestException badRequest)
            {
                context.ProblemDetails.Detail = badRequest.InnerException is JsonException json ? json.Message : badRequest.Message;
            }
        });

        var app = builder.Build();

        // A transfer that still conflicts after the automatic retries did not happen: ask the client to retry.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException badRequest => badRequest.StatusCode,
                FluxMapException { IsTransient: true } => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });

        // The 4xx answers with no body of their own (no such route, wrong method or content type).
        app.UseStatusCodePages();
        app.MapPost("/accounts", OpenAccountAsync);
        app.MapGet("/accounts/{id}", GetAccountAsync);
        app.MapGet("/accounts", (FluxHandle<string, long> accounts, string? prefix, CancellationToken cancellationToken) =>
            TypedResults.Ok(accounts.ScanPrefixAsync(prefix ?? "", cancellationToken).Select(pair => new Account(pair.Key, pair.Value))));
        app.MapPost("/transfers", TransferAsync);
        app.MapHealthChecks("/health");
        return app;
    }

    private static async Task<Results<Created<Account>, ProblemHttpResult>> OpenAccountAsync(Account account, FluxHandle<string, long> accounts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(account.Id) || account.Balance < 0)
        {
            return TypedResults.Problem("An account needs an id and a balance of at least 0.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid account");
        }

        var opened = await accounts.TransactionAsync(async (tx, ct) =>
        {
            if (await tx.ContainsKeyAsync(account.Id, ct))
            {
                return false;
            }

            await tx.InsertAsync(account.Id, account.Balance, ct);
            return true;
        }, cancellationToken);
        return opened
            ? TypedResults.Created($"/accounts/{Uri.EscapeDataString(account.Id)}", account)
            : TypedResults.Problem($"The account '{account.Id}' already exists.", statusCode: StatusCodes.Status409Conflict, title: "Account exists");
    }

    private static async Task<Results<Ok<Account>, ProblemHttpResult>> GetAccountAsync(string id, FluxHandle<string, long> accounts, CancellationToken cancellationToken)
    {
        var balance = await accounts.GetAsync(id, cancellationToken);
        return balance.HasValue ? TypedResults.Ok(new Account(id, balance.Value)) : UnknownAccount(id);
    }

    private static async Task<Results<Ok<TransferReceipt>, ProblemHttpResult>> TransferAsync(Transfer transfer, FluxHandle<string, long> accounts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(transfer.From) || string.IsNullOrWhiteSpace(transfer.To) || transfer.Amount <= 0 || transfer.From == transfer.To)
        {
            return TypedResults.Problem(
                "A transfer moves a positive amount between two different accounts, named by \"from\" and \"to\".", statusCode: StatusCodes.Status400BadRequest, title: "Invalid transfer");
        }

        // Serializable: two transfers that would overdraw an account together cannot both commit;
        // on a conflict the body runs again from the start.
        return await accounts.TransactionAsync<Results<Ok<TransferReceipt>, ProblemHttpResult>>(async (tx, ct) =>
        {
            var from = await tx.GetAsync(transfer.From, ct);
            var to = await tx.GetAsync(transfer.To, ct);
            if (!from.HasValue || !to.HasValue)
            {
                return UnknownAccount(from.HasValue ? transfer.To : transfer.From);
            }

            if (from.Value < transfer.Amount)
            {
                return TypedResults.Problem(
                    $"The account '{transfer.From}' holds {from.Value}, less than {transfer.Amount}.", statusCode: StatusCodes.Status409Conflict, title: "Insufficient funds");
            }

            // A balance past long.MaxValue would wrap to a negative one and destroy the money.
            if (transfer.Amount > long.MaxValue - to.Value)
            {
                return TypedResults.Problem(
                    $"The account '{transfer.To}' holds {to.Value}; {transfer.Amount} more would exceed the largest balance, {long.MaxValue}.",
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Balance limit");
            }

            var debited = new Account(transfer.From, from.Value - transfer.Amount);
            var credited = new Account(transfer.To, to.Value + transfer.Amount);
            await tx.InsertAsync(debited.Id, debited.Balance, ct);
            await tx.InsertAsync(credited.Id, credited.Balance, ct);
            return TypedResults.Ok(new TransferReceipt(debited, credited));
        }, cancellationToken);
    }

    private static ProblemHttpResult UnknownAccount(string id) =>
        TypedResults.Problem($"There is no account '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown account");
}

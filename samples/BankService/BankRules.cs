using FluxMap;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BankService;

/// <summary>The bank's rules as transaction bodies, shared by this service and the replicated sample (samples/ReplicatedBank).</summary>
public static class BankRules
{
    /// <summary>Why <paramref name="account"/> cannot be opened, or null when it can.</summary>
    public static ProblemHttpResult? Invalid(Account account) =>
        string.IsNullOrWhiteSpace(account.Id) || account.Balance < 0
            ? TypedResults.Problem("An account needs an id and a balance of at least 0.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid account")
            : null;

    /// <summary>Why <paramref name="transfer"/> cannot be made whatever the balances, or null when it can be tried.</summary>
    public static ProblemHttpResult? Invalid(Transfer transfer) =>
        string.IsNullOrWhiteSpace(transfer.From) || string.IsNullOrWhiteSpace(transfer.To) || transfer.Amount <= 0 || transfer.From == transfer.To
            ? TypedResults.Problem(
                "A transfer moves a positive amount between two different accounts, named by \"from\" and \"to\".", statusCode: StatusCodes.Status400BadRequest, title: "Invalid transfer")
            : null;

    /// <summary>Opens the account unless one of its id exists; returns the answer to send.</summary>
    public static async ValueTask<Results<Created<Account>, ProblemHttpResult>> OpenAsync(FluxTransaction<string, long> tx, Account account, CancellationToken cancellationToken)
    {
        if (await tx.ContainsKeyAsync(account.Id, cancellationToken))
        {
            return TypedResults.Problem($"The account '{account.Id}' already exists.", statusCode: StatusCodes.Status409Conflict, title: "Account exists");
        }

        await tx.InsertAsync(account.Id, account.Balance, cancellationToken);
        return TypedResults.Created($"/accounts/{Uri.EscapeDataString(account.Id)}", account);
    }

    /// <summary>
    /// Moves the money. Serializable: two transfers that would overdraw an account together cannot
    /// both commit; on a conflict the caller's retry runs this again from the start.
    /// </summary>
    public static async ValueTask<Results<Ok<TransferReceipt>, ProblemHttpResult>> TransferAsync(FluxTransaction<string, long> tx, Transfer transfer, CancellationToken cancellationToken)
    {
        var from = await tx.GetAsync(transfer.From, cancellationToken);
        var to = await tx.GetAsync(transfer.To, cancellationToken);
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
        await tx.InsertAsync(debited.Id, debited.Balance, cancellationToken);
        await tx.InsertAsync(credited.Id, credited.Balance, cancellationToken);
        return TypedResults.Ok(new TransferReceipt(debited, credited));
    }

    public static ProblemHttpResult UnknownAccount(string id) =>
        TypedResults.Problem($"There is no account '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown account");
}

using BankService;
using FluxMap.Replication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ReplicatedBank;

/// <summary>
/// Builds one member of the replicated bank: the bank service's rules on a replicated database
/// registered with AddReplicatedFluxMap. Program runs it, run.sh starts three, tests start three
/// in one process on free ports.
/// </summary>
public static class ReplicatedBankApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // The database's options from "FluxMap", this member's place in the cluster from "FluxMap:Replication".
        builder.Services.AddReplicatedFluxMap<string, long>(builder.Configuration.GetSection("FluxMap"));
        builder.Services.AddHealthChecks().AddReplicatedFluxMap<string, long>();
        builder.Services.AddBankErrors();
        builder.Services.AddExceptionHandler<CommitOutcomeUnknownAnswer>();

        var app = builder.Build();
        app.UseBankErrors();
        app.MapPost("/accounts", OpenAccountAsync);
        app.MapGet("/accounts/{id}", GetAccountAsync);
        app.MapPost("/transfers", TransferAsync);
        app.MapGet("/total", TotalAsync);
        app.MapGet("/status", (ReplicatedFluxDatabase<string, long> bank) => TypedResults.Ok(MemberStatus.Of(bank.GetStatus())));
        app.MapHealthChecks("/health");
        return app;
    }

    // Writes go through TransactionAsync on whichever member took the request: on a follower the body
    // runs there and the leader validates and commits it, so every member takes transfers. A commit
    // still refused after the retries (no leader reachable) is the transient 503; one whose answer a
    // follower lost is the 504 of CommitOutcomeUnknownAnswer.
    private static async Task<Results<Created<Account>, ProblemHttpResult>> OpenAccountAsync(Account account, ReplicatedFluxDatabase<string, long> bank, CancellationToken cancellationToken) =>
        BankRules.Invalid(account) ?? (Results<Created<Account>, ProblemHttpResult>)await bank.TransactionAsync((tx, ct) => BankRules.OpenAsync(tx, account, ct), cancellationToken);

    // A follower runs the body on what it applied, which may not hold an account opened on another
    // member a moment ago: before answering "unknown account" from there, it catches up with a read
    // barrier and runs the transfer again.
    private static async Task<Results<Ok<TransferReceipt>, ProblemHttpResult>> TransferAsync(Transfer transfer, ReplicatedFluxDatabase<string, long> bank, CancellationToken cancellationToken)
    {
        if (BankRules.Invalid(transfer) is { } invalid)
        {
            return invalid;
        }

        var result = await bank.TransactionAsync((tx, ct) => BankRules.TransferAsync(tx, transfer, ct), cancellationToken);
        if (result.Result is ProblemHttpResult { StatusCode: StatusCodes.Status404NotFound } && !bank.IsLeader)
        {
            await bank.ReadBarrierAsync(cancellationToken);
            result = await bank.TransactionAsync((tx, ct) => BankRules.TransferAsync(tx, transfer, ct), cancellationToken);
        }

        return result;
    }

    // Reads run on this member at what it applied: serializable, possibly behind the leader; with
    // ?fresh=true a read barrier first makes them see every transfer acknowledged before the request.
    private static async Task<Results<Ok<Account>, ProblemHttpResult>> GetAccountAsync(string id, bool? fresh, ReplicatedFluxDatabase<string, long> bank, CancellationToken cancellationToken)
    {
        await BarrierAsync(bank, fresh, cancellationToken);
        var balance = await bank.ReadAsync(async (tx, ct) => await tx.GetAsync(id, ct), cancellationToken);
        return balance.HasValue ? TypedResults.Ok(new Account(id, balance.Value)) : BankRules.UnknownAccount(id);
    }

    private static async Task<Ok<BankTotal>> TotalAsync(bool? fresh, ReplicatedFluxDatabase<string, long> bank, CancellationToken cancellationToken)
    {
        await BarrierAsync(bank, fresh, cancellationToken);
        var total = await bank.ReadAsync(
            async (tx, ct) =>
            {
                var (sum, count) = (0L, 0);
                await foreach (var (_, balance) in tx.ScanPrefixAsync("", ct))
                {
                    (sum, count) = (sum + balance, count + 1);
                }

                return new BankTotal(sum, count, bank.VisiblePosition);
            },
            cancellationToken);
        return TypedResults.Ok(total);
    }

    private static ValueTask BarrierAsync(ReplicatedFluxDatabase<string, long> bank, bool? fresh, CancellationToken cancellationToken) =>
        fresh == true ? bank.ReadBarrierAsync(cancellationToken) : ValueTask.CompletedTask;
}

namespace FluxMap.Benchmarks;

/// <summary>FluxMap's transactions as they are: snapshot isolation with SSI's dangerous-structure test.</summary>
internal sealed class SsiControl : IConcurrencyControl
{
    public string Name => "FluxMap";

    public async ValueTask<bool> TryAsync(FluxHandle<string, long> handle, ContendedTransaction attempt, Func<ContendedTransaction, ValueTask> body)
    {
        await using var transaction = handle.BeginTransaction();
        attempt.Start(transaction);
        try
        {
            await body(attempt);
            await transaction.CommitAsync();
            return true;
        }
        catch (SerializationConflictException)
        {
            return false;
        }
    }
}

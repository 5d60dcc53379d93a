namespace FluxMap;

/// <summary>
/// A transaction was aborted because committing it could make the history non-serializable.
/// Nothing it wrote is visible. Running the same work again usually succeeds; the handle's
/// <c>TransactionAsync</c> does that automatically.
/// </summary>
public sealed class SerializationConflictException : FluxMapException
{
    internal SerializationConflictException(string message, ConflictReason reason, long transactionId, object? key, long? conflictingTransactionId)
        : base(message)
    {
        Reason = reason;
        TransactionId = transactionId;
        Key = key;
        ConflictingTransactionId = conflictingTransactionId;
    }

    /// <summary>Gets why the transaction was aborted.</summary>
    public ConflictReason Reason { get; }

    /// <summary>Gets the id of the aborted transaction.</summary>
    public long TransactionId { get; }

    /// <summary>Gets the key the conflict was found on, when one key can be named.</summary>
    public object? Key { get; }

    /// <summary>Gets the id of the other transaction in the conflict, when it is known (autocommit writes have none).</summary>
    public long? ConflictingTransactionId { get; }

    /// <inheritdoc />
    public override bool IsTransient => true;

    /// <summary>The commit this transaction collided with, when one is known: a retry should not start before it is visible.</summary>
    internal long ConflictingCommit { get; init; }
}

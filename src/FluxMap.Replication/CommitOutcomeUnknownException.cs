namespace FluxMap.Replication;

/// <summary>
/// A follower sent a read-write transaction to the leader and lost the way back before the
/// answer came (the connection closed, or no answer within twice
/// <see cref="ReplicationOptions.RequestTimeout"/>): the transaction may have committed or not.
/// Not transient, so a retry loop does not run the work twice; read the state to learn the outcome.
/// </summary>
public sealed class CommitOutcomeUnknownException : FluxMapException
{
    /// <summary>Initializes a new instance of the <see cref="CommitOutcomeUnknownException"/> class.</summary>
    /// <param name="message">What was lost.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public CommitOutcomeUnknownException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

namespace FluxMap;

/// <summary>
/// Settings of one database. Bindable from configuration; checked by
/// <see cref="FluxMapOptionsValidator"/> when the database opens.
/// </summary>
public sealed class FluxMapOptions
{
    /// <summary>
    /// Gets or sets how many times <c>TransactionAsync</c> runs a transaction body in total before
    /// a serialization conflict is handed to the caller. Default 10; 1 disables retries.
    /// </summary>
    public int MaxTransactionAttempts { get; set; } = 10;

    /// <summary>
    /// Gets or sets the first retry's upper delay bound. Each retry waits a random time (full
    /// jitter) up to this bound doubled per attempt and capped by <see cref="RetryMaxDelay"/>.
    /// Default 1 ms; zero retries at once.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Gets or sets the cap on one retry delay. Default 100 ms.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets or sets how many committed transactions keep their exact read sets while overlapping
    /// transactions still run. Beyond this the oldest are summarized: memory stays bounded under
    /// long transactions at the price of possibly more aborts. Default 10,000.
    /// </summary>
    public int MaxRetainedTransactions { get; set; } = 10_000;
}

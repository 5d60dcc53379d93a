using Microsoft.Extensions.Options;

namespace FluxMap;

/// <summary>Checks <see cref="FluxMapOptions"/>; used by <c>FluxDatabase.OpenAsync</c> and by dependency injection alike.</summary>
public sealed class FluxMapOptionsValidator : IValidateOptions<FluxMapOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FluxMapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxTransactionAttempts < 1)
        {
            failures.Add($"MaxTransactionAttempts must be at least 1 (was {options.MaxTransactionAttempts}).");
        }

        if (options.RetryBaseDelay < TimeSpan.Zero)
        {
            failures.Add($"RetryBaseDelay must not be negative (was {options.RetryBaseDelay}).");
        }

        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"RetryMaxDelay ({options.RetryMaxDelay}) must not be less than RetryBaseDelay ({options.RetryBaseDelay}).");
        }

        if (options.MaxRetainedTransactions < 1)
        {
            failures.Add($"MaxRetainedTransactions must be at least 1 (was {options.MaxRetainedTransactions}).");
        }

        if (options.Durability is not (DurabilityMode.InMemory or DurabilityMode.Relaxed or DurabilityMode.Full))
        {
            failures.Add($"Durability must be InMemory, Relaxed or Full (was {(int)options.Durability}).");
        }

        if (options.Durability != DurabilityMode.InMemory && string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add($"DataDirectory is required with Durability.{options.Durability}: it names the directory for the database's files.");
        }

        // An in-memory database never reads its directory: a directory of durable data would open empty.
        if (options.Durability == DurabilityMode.InMemory && !string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add(
                $"DataDirectory ('{options.DataDirectory}') is set but Durability is InMemory, which keeps nothing on disk and never reads the directory: " +
                "set Durability to Relaxed or Full to store the database there, or leave DataDirectory unset for an in-memory database.");
        }

        if (options.WalSegmentSize < 64 * 1024)
        {
            failures.Add($"WalSegmentSize must be at least 65536 bytes (was {options.WalSegmentSize}).");
        }

        if (options.WalPoolSize < 2)
        {
            failures.Add($"WalPoolSize must be at least 2 (was {options.WalPoolSize}): the segment being written and one more.");
        }

        if (options.FlushInterval <= TimeSpan.Zero)
        {
            failures.Add($"FlushInterval must be positive (was {options.FlushInterval}).");
        }

        if (options.FlushAfterCommits < 1)
        {
            failures.Add($"FlushAfterCommits must be at least 1 (was {options.FlushAfterCommits}).");
        }

        if (options.FlushAfterBytes < 1)
        {
            failures.Add($"FlushAfterBytes must be at least 1 (was {options.FlushAfterBytes}).");
        }

        if (options.VacuumInterval < TimeSpan.Zero)
        {
            failures.Add($"VacuumInterval must not be negative (was {options.VacuumInterval}); TimeSpan.Zero turns automatic vacuum off.");
        }

        if (options.ExpirationSweepInterval < TimeSpan.Zero)
        {
            failures.Add($"ExpirationSweepInterval must not be negative (was {options.ExpirationSweepInterval}); TimeSpan.Zero turns the sweeper off.");
        }

        if (options.MaxExpiredKeysPerSweep < 1)
        {
            failures.Add($"MaxExpiredKeysPerSweep must be at least 1 (was {options.MaxExpiredKeysPerSweep}).");
        }

        if (options.MemoryLimit < 0)
        {
            failures.Add($"MemoryLimit must not be negative (was {options.MemoryLimit}); 0 means no limit.");
        }
        else if (options.MemoryLimit > 0 && options.Durability != DurabilityMode.InMemory && !options.UseDataFile)
        {
            failures.Add(
                $"MemoryLimit with Durability.{options.Durability} needs UseDataFile: a durable database pages values out to the data file " +
                "instead of evicting acknowledged data, and UseDataFile is false.");
        }

        if (options.WriteBehindShards < 0)
        {
            failures.Add($"WriteBehindShards must not be negative (was {options.WriteBehindShards}); 0 means half the processor count.");
        }

        if (options.WriteBehindMaxEntries < 1)
        {
            failures.Add($"WriteBehindMaxEntries must be at least 1 (was {options.WriteBehindMaxEntries}).");
        }

        if (options.WriteBehindMaxBytes < 1)
        {
            failures.Add($"WriteBehindMaxBytes must be at least 1 (was {options.WriteBehindMaxBytes}).");
        }

        if (options.WriteBehindInterval <= TimeSpan.Zero)
        {
            failures.Add($"WriteBehindInterval must be positive (was {options.WriteBehindInterval}).");
        }

        if (options.CheckpointInterval <= TimeSpan.Zero)
        {
            failures.Add($"CheckpointInterval must be positive (was {options.CheckpointInterval}).");
        }

        if (!(options.CompactionThreshold is > 0 and < 1))
        {
            failures.Add($"CompactionThreshold must be between 0 and 1, exclusive (was {options.CompactionThreshold}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

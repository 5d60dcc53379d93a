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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

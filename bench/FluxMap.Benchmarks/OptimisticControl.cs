namespace FluxMap.Benchmarks;

/// <summary>
/// The plain optimistic baseline: the same transaction bodies over the same FluxMap store, each
/// attempt committed only if <see cref="BackwardValidator{TKey}"/> finds none of its reads
/// overwritten since its snapshot (first committer wins on every key read, not only on keys
/// written). Begin and validate-then-commit each run under the validator's lock, so the
/// validator's snapshot and FluxMap's cover the same commits.
/// </summary>
/// <remarks>
/// FluxMap's SSI still runs underneath, but it cannot abort a transaction this validation would
/// pass: every edge SSI acts on starts at a read of a key that a transaction committed after the
/// reader's snapshot, and every workload reads each key it writes, so write-write conflicts are
/// stale reads as well. <see cref="AbortsPastValidation"/> counts the aborts where that did not hold;
/// the driver fails when it is not zero, since the baseline would then have aborted more than
/// optimistic validation does.
/// </remarks>
internal sealed class OptimisticControl : IConcurrencyControl
{
    private readonly BackwardValidator<string> _validator = new();
    private long _abortsPastValidation;

    public string Name => "baseline";

    /// <summary>Aborts of attempts whose reads were still valid: FluxMap's, not the baseline's.</summary>
    public long AbortsPastValidation => Volatile.Read(ref _abortsPastValidation);

    public async ValueTask<bool> TryAsync(FluxHandle<string, long> handle, ContendedTransaction attempt, Func<ContendedTransaction, ValueTask> body)
    {
        FluxTransaction<string, long> transaction;
        long snapshot;
        using (_validator.Enter())
        {
            transaction = handle.BeginTransaction();
            snapshot = _validator.Snapshot;
        }

        await using (transaction)
        {
            attempt.Start(transaction);
            try
            {
                await body(attempt);
                ValueTask acknowledged;
                using (_validator.Enter())
                {
                    if (!_validator.IsValid(snapshot, attempt.Reads))
                    {
                        return false;
                    }

                    // In memory the commit is visible when this returns, before the lock is released.
                    try
                    {
                        acknowledged = transaction.CommitAsync();
                    }
                    catch (SerializationConflictException)
                    {
                        Interlocked.Increment(ref _abortsPastValidation);
                        return false;
                    }

                    _validator.Committed(attempt.Writes);
                }

                await acknowledged;
                return true;
            }
            catch (SerializationConflictException)
            {
                // SSI may abort an attempt at a read, before validation: it has then read a key
                // overwritten after its snapshot, which validation refuses too. Count any that has
                // not (a commit landing meanwhile on the thread pool could hide one; interleaved, none can).
                using (_validator.Enter())
                {
                    if (_validator.IsValid(snapshot, attempt.Reads))
                    {
                        Interlocked.Increment(ref _abortsPastValidation);
                    }
                }

                return false;
            }
        }
    }
}

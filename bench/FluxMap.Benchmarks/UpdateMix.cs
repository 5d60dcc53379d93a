namespace FluxMap.Benchmarks;

/// <summary>
/// The maintenance driver's update-heavy load: four operations in five are autocommit upserts of a
/// random key with another key's value; the fifth is a read-modify-write transaction that reads two
/// random keys and writes each with the other's value. Keys a memory limit evicted are written
/// again, so under a limit evictions go on steadily.
/// </summary>
internal sealed class UpdateMix(FluxHandle<string, string> handle, string[] keys, string[] values)
{
    /// <summary>Runs one operation.</summary>
    /// <param name="random">The calling worker's random source.</param>
    /// <returns>A task that completes when the operation has committed or aborted.</returns>
    public ValueTask RunOnceAsync(Random random) => random.Next(5) == 0
        ? SwapAsync(keys[random.Next(keys.Length)], keys[random.Next(keys.Length)])
        : handle.InsertAsync(keys[random.Next(keys.Length)], values[random.Next(values.Length)]);

    private async ValueTask SwapAsync(string first, string second)
    {
        await using var transaction = handle.BeginTransaction();
        try
        {
            var a = await transaction.GetAsync(first);
            var b = await transaction.GetAsync(second);
            await transaction.InsertAsync(first, b.GetValueOrDefault(values[0]));
            await transaction.InsertAsync(second, a.GetValueOrDefault(values[0]));
            await transaction.CommitAsync();
        }
        catch (SerializationConflictException)
        {
            // Not retried, so every operation is one attempt; the database's statistics count the aborts.
        }
    }
}

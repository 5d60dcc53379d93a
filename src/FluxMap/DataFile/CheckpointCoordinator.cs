using FluxMap.Diagnostics;
using FluxMap.Durability;

namespace FluxMap.DataFile;

/// <summary>
/// Takes checkpoints: the data file makes what it holds durable, then the log gives back what the
/// checkpoint covers. Neither side knows the other; this is where the pipeline's two ends meet.
/// </summary>
internal sealed class CheckpointCoordinator<TKey, TValue>(ICommitLog<TKey, TValue> log, DataFileStore<TKey, TValue> dataFile, string database)
    where TKey : notnull
{
    /// <summary>Whether the log holds something a checkpoint would let it give back.</summary>
    internal bool LogHasReleasable => log.SegmentCount > 1;

    /// <summary>
    /// Checkpoints; with <paramref name="everything"/>, first makes every commit so far durable
    /// and flushes every write-behind buffer, so the checkpoint covers all of them.
    /// </summary>
    /// <returns>The checkpoint LSN.</returns>
    internal async Task<long> CheckpointAsync(bool everything, CancellationToken cancellationToken)
    {
        using var activity = FluxActivities.Start(FluxActivities.Checkpoint, database);
        FluxActivities.Tag(activity, FluxActivities.CheckpointFullTag, everything);
        try
        {
            if (everything)
            {
                // The log hands commits over once durable: flushing it hands over everything.
                await log.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            var lsn = await dataFile.CheckpointAsync(everything, cancellationToken).ConfigureAwait(false);

            // The header is durable: a crash from now on opens from it, so the log gives back what it
            // covers. (A header copy damaged later, after it was written whole, falls back to the
            // previous checkpoint, whose log tail is gone by then: open reports the gap as corruption
            // rather than guess.)
            await log.ReleaseThroughAsync(lsn, cancellationToken).ConfigureAwait(false);
            FluxActivities.Tag(activity, FluxActivities.CheckpointLsnTag, lsn);
            return lsn;
        }
        catch (Exception e) when (activity is not null)
        {
            FluxActivities.Failed(activity, e);
            throw;
        }
    }
}

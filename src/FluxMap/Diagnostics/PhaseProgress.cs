namespace FluxMap.Diagnostics;

/// <summary>
/// Reports one phase of an open to the caller's <see cref="IProgress{T}"/>: 0 at the start, then as
/// units finish (possibly on several threads: the data file's extents decode in parallel), in
/// increasing order, about a hundred reports at most, and the total last.
/// </summary>
internal sealed class PhaseProgress
{
    private readonly IProgress<OpenProgress> _progress;
    private readonly OpenPhase _phase;
    private readonly long _total;
    private readonly long _step;
    private readonly Lock _lock = new();
    private long _done;
    private long _reported;

    private PhaseProgress(IProgress<OpenProgress> progress, OpenPhase phase, long total)
    {
        (_progress, _phase, _total, _step) = (progress, phase, total, Math.Max(1, total / 100));
        progress.Report(new OpenProgress(phase, 0, total));
    }

    /// <summary>Starts reporting a phase of <paramref name="total"/> units; null when nobody asked for progress or there is nothing to do.</summary>
    internal static PhaseProgress? Start(IProgress<OpenProgress>? progress, OpenPhase phase, long total) =>
        progress is null || total <= 0 ? null : new PhaseProgress(progress, phase, total);

    /// <summary>Counts one unit done.</summary>
    internal void Advance()
    {
        var done = Interlocked.Increment(ref _done);
        if (done != _total && done - Volatile.Read(ref _reported) < _step)
        {
            return;
        }

        lock (_lock)
        {
            if (done > _reported)
            {
                _reported = done;
                _progress.Report(new OpenProgress(_phase, done, _total));
            }
        }
    }
}

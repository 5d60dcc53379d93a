using System.Diagnostics;
using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>
/// Workloads that share one loaded store: it is opened empty, loaded once, and the workloads run
/// in order (reads before the workloads that insert, deletes last), then it is closed.
/// </summary>
internal sealed class Phase(string name, KeySpace keys, Func<long, byte[]> initialValue, IReadOnlyList<Workload> workloads)
{
    private const int LoadBatch = 1000;

    /// <summary>Names the phase's directory.</summary>
    public string Name { get; } = name;

    /// <summary>The keys loaded and used.</summary>
    public KeySpace Keys { get; } = keys;

    /// <summary>The workloads, in the order they run.</summary>
    public IReadOnlyList<Workload> Workloads { get; } = workloads;

    /// <summary>Loads every key in batches, each one atomic write of the store's own bulk kind.</summary>
    public async Task LoadAsync(IStoreSession session)
    {
        Keys.Prepare();
        var batch = new List<KeyValuePair<byte[], byte[]>>(LoadBatch);
        for (var i = 0L; i < Keys.Loaded; i++)
        {
            batch.Add(new(Keys[i], initialValue(i)));
            if (batch.Count == LoadBatch || i == Keys.Loaded - 1)
            {
                await session.LoadAsync(batch);
                batch.Clear();
            }
        }
    }

    /// <summary>
    /// Reads loaded keys and rewrites every tenth with the value it already has, for
    /// <paramref name="duration"/>, so the phase's first table does not pay for JIT compilation.
    /// </summary>
    public async Task WarmUpAsync(IStoreSession session, TimeSpan duration)
    {
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0L; Keys.Loaded > 0 && Stopwatch.GetTimestamp() < stop; i++)
        {
            var ordinal = i % Keys.Loaded;
            await session.GetAsync(Keys[ordinal]);
            if (i % 10 == 0)
            {
                await session.PutAsync(Keys[ordinal], initialValue(ordinal));
            }
        }
    }
}

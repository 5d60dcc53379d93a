using System.Runtime.CompilerServices;
using FluxMap.Storage;

namespace FluxMap.Maintenance;

/// <summary>
/// Estimated bytes of a key's node and of a version: the runtime's object layout on 64-bit plus
/// what the estimator says the key or value holds. Used by the memory limit, by on-demand
/// measurement and for the size of a value.
/// </summary>
internal sealed class EntrySizer<TKey, TValue>
{
    // A node (header, stamp, newest link, level-0 link, upper-levels array, recency entry link, key,
    // embedded value), its upper-level links on average, its recency entry and its index slot at
    // the index's load. Its embedded first version costs nothing beyond the value.
    private static readonly long NodeOverhead = Align(56 + Unsafe.SizeOf<TKey>() + Unsafe.SizeOf<TValue>()) + 8 + 64 + 16;
    private static readonly long VersionOverhead = Align(32 + Unsafe.SizeOf<TValue>());
    private static readonly long PagedOverhead = VersionOverhead + 32;

    private readonly IMemorySizeEstimator<TKey, TValue> _estimator;
    private readonly IMemorySizeEstimator<TKey, TValue> _fallback;
    private volatile Exception? _fault;

    internal EntrySizer(IMemorySizeEstimator<TKey, TValue>? estimator, IMemorySizeEstimator<TKey, TValue> fallback)
    {
        _estimator = estimator ?? fallback;
        _fallback = fallback;
    }

    /// <summary>The last exception a user's estimator threw; estimates come from the default from then on.</summary>
    internal Exception? EstimatorFault => _fault;

    internal long NodeBytes(SkipListNode<TKey, TValue> node) => NodeOverhead + Estimate(node.Key, static (e, key) => e.EstimateKeySize(key));

    // A paged-out version holds a record location instead of its value: never read it back to size
    // it. An embedded version that left its chain holds nothing beyond its node any more.
    internal long VersionBytes(VersionEntry<TValue> version) => version switch
    {
        PagedVersion<TValue> => PagedOverhead,
        _ => (version.IsEmbedded ? 0 : VersionOverhead) + (!version.IsTombstone && version.TryGetValue(out var value) ? ValueBytes(value) : 0),
    };

    internal long ValueBytes(TValue value) => Estimate(value, static (e, value) => e.EstimateValueSize(value));

    // Runs inside commits, after versions are published: an estimator that throws must not leave a
    // commit half applied. A failing estimator is replaced by the default for good (accounting may
    // then drift by the difference between the two) and reported through health.
    private long Estimate<T>(T item, Func<IMemorySizeEstimator<TKey, TValue>, T, long> estimate)
    {
        if (_fault is null)
        {
            try
            {
                return Math.Max(0, estimate(_estimator, item));
            }
            catch (Exception e)
            {
                _fault = e;
            }
        }

        return estimate(_fallback, item);
    }

    private static long Align(long bytes) => (bytes + 7) & ~7L;
}

using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>
/// The keys of one phase: ordinals below <see cref="Loaded"/> are loaded before the phase's
/// workloads run, the next <see cref="Fresh"/> are kept for insert workloads, and YCSB inserts
/// take ordinals after both. Loaded and fresh keys are built by <see cref="Prepare"/>, before any
/// timing, so the measured loop allocates nothing for them.
/// </summary>
internal sealed class KeySpace(long loaded, long fresh)
{
    private byte[][] _keys = [];
    private long _inserted;

    /// <summary>Keys present when the phase starts.</summary>
    public long Loaded { get; } = loaded;

    /// <summary>Keys kept back for insert workloads.</summary>
    public long Fresh { get; } = fresh;

    /// <summary>One past the newest ordinal inserted so far.</summary>
    public long End => Loaded + Fresh + Volatile.Read(ref _inserted);

    /// <summary>The key with <paramref name="ordinal"/>.</summary>
    public byte[] this[long ordinal] => ordinal < _keys.LongLength ? _keys[ordinal] : Keys.Key(ordinal);

    /// <summary>Takes the next ordinal for a YCSB insert.</summary>
    public long NextInsert() => Loaded + Fresh + Interlocked.Increment(ref _inserted) - 1;

    /// <summary>Builds the keys on first use (only selected phases pay for theirs) and forgets earlier inserts.</summary>
    public void Prepare()
    {
        if (_keys.LongLength != Loaded + Fresh)
        {
            var keys = new byte[Loaded + Fresh][];
            for (var i = 0L; i < keys.LongLength; i++)
            {
                keys[i] = Keys.Key(i);
            }

            _keys = keys;
        }

        Volatile.Write(ref _inserted, 0);
    }
}

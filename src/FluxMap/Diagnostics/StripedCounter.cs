using System.Numerics;

namespace FluxMap.Diagnostics;

/// <summary>
/// A counter for the read path: one cache line per processor, so cores do not fight over it.
/// Increments are plain adds: two threads that share a slot at the same instant may lose one,
/// which a statistic can afford and a lock-free read path cannot pay to prevent.
/// </summary>
internal sealed class StripedCounter
{
    // 8 longs = 64 bytes apart, so each slot has a cache line of its own.
    private const int Stride = 8;

    private readonly long[] _slots;
    private readonly int _mask;

    internal StripedCounter()
    {
        var stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount);
        _slots = new long[(stripes + 1) * Stride];
        _mask = stripes - 1;
    }

    internal void Increment() => _slots[((Thread.GetCurrentProcessorId() & _mask) + 1) * Stride]++;

    internal long Read()
    {
        var total = 0L;
        for (var i = Stride; i < _slots.Length; i += Stride)
        {
            total += Volatile.Read(ref _slots[i]);
        }

        return total;
    }
}

using System.Numerics;

namespace FluxMap.Transactions;

/// <summary>
/// A few spare objects of one kind, so that a path needing one per call allocates none once warm.
/// Lock-free, with slots per processor: a rent takes a spare from its processor's slot or the next
/// few, a return puts one there; past that the spare is left to the collector. The caller resets
/// what it returns and hands each object back once: a rented object belongs to its renter alone.
/// </summary>
internal sealed class SparePool<T>
    where T : class
{
    private const int Probes = 4;

    private readonly T?[] _slots;
    private readonly int _mask;

    internal SparePool()
    {
        var slots = (int)BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * 2);
        _slots = new T?[slots];
        _mask = slots - 1;
    }

    internal T? Rent()
    {
        var start = Thread.GetCurrentProcessorId();
        for (var i = 0; i < Probes; i++)
        {
            ref var slot = ref _slots[(start + i) & _mask];
            if (Volatile.Read(ref slot) is not null && Interlocked.Exchange(ref slot, null) is { } spare)
            {
                return spare;
            }
        }

        return null;
    }

    internal void Return(T spare)
    {
        var start = Thread.GetCurrentProcessorId();
        for (var i = 0; i < Probes; i++)
        {
            ref var slot = ref _slots[(start + i) & _mask];
            if (Volatile.Read(ref slot) is null && Interlocked.CompareExchange(ref slot, spare, null) is null)
            {
                return;
            }
        }
    }
}

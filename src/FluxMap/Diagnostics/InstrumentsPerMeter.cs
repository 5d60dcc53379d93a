using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace FluxMap.Diagnostics;

/// <summary>
/// One set of instruments per meter, shared by every database or member reporting through it.
/// Created under a lock: <see cref="ConditionalWeakTable{TKey, TValue}.GetValue"/> may run its
/// factory twice when two opens race, and a meter keeps every instrument made on it, so the
/// losing set would stay published with nobody reporting through it, and a listener that binds
/// the first instrument of a name would see nothing.
/// </summary>
/// <typeparam name="T">The set of instruments.</typeparam>
internal sealed class InstrumentsPerMeter<T>(Func<Meter, T> create)
    where T : class
{
    private readonly ConditionalWeakTable<Meter, T> _sets = [];
    private readonly Lock _gate = new();

    internal T Of(Meter meter)
    {
        if (_sets.TryGetValue(meter, out var set))
        {
            return set;
        }

        lock (_gate)
        {
            if (!_sets.TryGetValue(meter, out set))
            {
                set = create(meter);
                _sets.Add(meter, set);
            }

            return set;
        }
    }
}

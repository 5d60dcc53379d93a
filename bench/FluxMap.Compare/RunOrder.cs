using FluxMap.Compare.Adapters;
using FluxMap.Compare.Workloads;

namespace FluxMap.Compare;

/// <summary>
/// The order of a run's rows. Phases run one after another, every store's rows of a phase before
/// the next phase, so the rows of one table lie minutes apart, not a whole run. Within a phase a
/// store opens, loads and runs its rows alone, except the strict stores: each of their commits
/// waits for the disk's fsync, which drifts over a run, so they open together and take turns row
/// by row (a workload on every strict store, then the next workload), and the drift reaches
/// them alike. They take their turns where the first of them stands in the store order.
/// </summary>
internal static class RunOrder
{
    /// <summary>The groups of stores opened together, in the order they run.</summary>
    public static IReadOnlyList<PhaseGroup> Plan(IReadOnlyList<StoreDefinition> stores, IReadOnlyList<Phase> phases)
    {
        var interleaved = stores.Where(Interleaves).ToList();
        var groups = new List<PhaseGroup>();
        foreach (var phase in phases)
        {
            foreach (var store in stores)
            {
                if (!Interleaves(store))
                {
                    groups.Add(new PhaseGroup(phase, [store]));
                }
                else if (store == interleaved[0])
                {
                    groups.Add(new PhaseGroup(phase, interleaved));
                }
            }
        }

        return groups;
    }

    /// <summary>Whether <paramref name="store"/>'s rows are interleaved with the other strict stores'.</summary>
    public static bool Interleaves(StoreDefinition store) => store.Durability == DurabilityClass.Strict;
}

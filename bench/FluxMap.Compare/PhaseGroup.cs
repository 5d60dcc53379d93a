using FluxMap.Compare.Adapters;
using FluxMap.Compare.Workloads;

namespace FluxMap.Compare;

/// <summary>Stores that are open together for one phase, each loaded in its own directory.</summary>
/// <param name="Phase">The phase whose workloads they run.</param>
/// <param name="Stores">The stores, in the order they take turns.</param>
internal sealed record PhaseGroup(Phase Phase, IReadOnlyList<StoreDefinition> Stores)
{
    /// <summary>The rows in the order they run: each workload on every store before the next workload.</summary>
    public IEnumerable<(StoreDefinition Store, Workload Workload)> Rows =>
        Phase.Workloads.SelectMany(workload => Stores.Select(store => (store, workload)));
}

using FluxMap.Compare.Adapters;
using FluxMap.Compare.Workloads;

namespace FluxMap.Compare.Tests;

/// <summary>The order of rows: phase by phase, each store alone, the strict stores taking turns row by row.</summary>
public sealed class RunOrderTests
{
    private static readonly CompareSettings Selection = new() { KeyCounts = [10], Writers = [1, 8], Workloads = ["feox-get", "feox-insert", "durable"] };

    private static List<StoreDefinition> Stores(params string[] ids) => [.. ids.Select(id => StoreCatalog.All.Single(s => s.Id == id))];

    private static List<string> Rows(IReadOnlyList<StoreDefinition> stores) =>
        [.. RunOrder.Plan(stores, WorkloadCatalog.Build(Selection)).SelectMany(g => g.Rows).Select(r => $"{r.Store.Id} {r.Workload.Id}")];

    [Fact]
    public void Strict_stores_take_turns_row_by_row_where_the_first_of_them_stands_and_the_others_run_their_phase_alone()
    {
        var rows = Rows(Stores("fluxmap-inmemory", "fluxmap-full", "sqlite-normal", "sqlite-full"));

        Assert.Equal(
            [
                "fluxmap-inmemory feox-get-10", "fluxmap-inmemory feox-insert-10",
                "fluxmap-full feox-get-10", "sqlite-full feox-get-10", "fluxmap-full feox-insert-10", "sqlite-full feox-insert-10",
                "sqlite-normal feox-get-10", "sqlite-normal feox-insert-10",
                "fluxmap-inmemory durable-1", "fluxmap-inmemory durable-8",
                "fluxmap-full durable-1", "sqlite-full durable-1", "fluxmap-full durable-8", "sqlite-full durable-8",
                "sqlite-normal durable-1", "sqlite-normal durable-8",
            ],
            rows);
    }

    [Fact]
    public void Opens_every_store_once_per_phase_and_runs_every_row_once()
    {
        var stores = StoreCatalog.All;
        var phases = WorkloadCatalog.Build(Selection);

        var groups = RunOrder.Plan(stores, phases);

        var strict = stores.Where(s => s.Durability == DurabilityClass.Strict).ToList();
        Assert.All(phases, phase =>
        {
            var opened = groups.Where(g => g.Phase == phase).SelectMany(g => g.Stores).ToList();
            Assert.Equal(stores.OrderBy(s => s.Id), opened.OrderBy(s => s.Id));
            Assert.Single(groups, g => g.Phase == phase && g.Stores.SequenceEqual(strict));
        });
        var rows = groups.SelectMany(g => g.Rows).ToList();
        Assert.Equal(stores.Count * phases.Sum(p => p.Workloads.Count), rows.Count);
        Assert.Equal(rows.Count, rows.Distinct().Count());
    }

    [Fact]
    public void Without_strict_stores_each_store_runs_its_phase_alone_in_store_order()
    {
        var rows = Rows(Stores("sqlite-normal", "fluxmap-relaxed"));

        Assert.Equal(
            [
                "sqlite-normal feox-get-10", "sqlite-normal feox-insert-10", "fluxmap-relaxed feox-get-10", "fluxmap-relaxed feox-insert-10",
                "sqlite-normal durable-1", "sqlite-normal durable-8", "fluxmap-relaxed durable-1", "fluxmap-relaxed durable-8",
            ],
            rows);
    }
}

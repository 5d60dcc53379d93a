using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// Two silos over one replicated FluxMap: each silo hosts a member of a three-member Raft cluster
/// (the third runs in the test), so a grain may activate on either silo and finds its state.
/// </summary>
[Collection(nameof(ReplicatedClusters))]
public sealed class ReplicatedSiloTests
{
    [Fact]
    public async Task AGrainMovedToAnotherSiloStartsFromItsLastAcknowledgedState()
    {
        await using var silos = await ReplicatedSilos.StartAsync();
        var grain = silos.Cluster.Client.GetGrain<INoteGrain>("mover");
        await grain.Save(new Note { Text = "first" });
        await grain.Save(new Note { Text = "last" });
        var host = await grain.Silo();

        await silos.Cluster.StopSiloAsync(silos.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)), Ct);

        Assert.NotEqual(host, await grain.Silo());
        Assert.Equal("last", (await grain.Load()).Text);
        await grain.Save(new Note { Text = "after the move" });
        Assert.Equal("after the move", (await grain.Load()).Text);
    }

    [Fact]
    public async Task AStaleETagIsRefusedAcrossSilos()
    {
        await using var silos = await ReplicatedSilos.StartAsync();
        var (first, second) = (silos.Cluster.Storage(silos.Cluster.Silos[0]), silos.Cluster.Storage(silos.Cluster.Silos[1]));
        var grain = GrainId.Create("note", "contested");
        await first.WriteStateAsync("note", grain, new GrainState<Note>(new Note { Text = "seed" }), Ct);
        var onFirst = new GrainState<Note>();
        var onSecond = new GrainState<Note>();
        await first.ReadStateAsync("note", grain, onFirst, Ct);
        await second.ReadStateAsync("note", grain, onSecond, Ct);
        Assert.Equal(onFirst.ETag, onSecond.ETag);

        onFirst.State = new Note { Text = "from the first silo" };
        await first.WriteStateAsync("note", grain, onFirst, Ct);
        onSecond.State = new Note { Text = "from the second silo" };
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync("note", grain, onSecond, Ct));

        Assert.Equal(onFirst.ETag, refused.StoredEtag);
        var read = new GrainState<Note>();
        await second.ReadStateAsync("note", grain, read, Ct);
        Assert.Equal(("from the first silo", onFirst.ETag), (read.State!.Text, read.ETag));
    }
}

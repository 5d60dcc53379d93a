using static FluxMap.Orleans.Tests.TestClusters;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// The grain storage contract, in the spirit of Orleans' persistence test kit: straight against
/// the provider the silo resolves, and through grains.
/// </summary>
[Collection(nameof(SharedCluster))]
public sealed class GrainStorageTests(GrainStorageFixture fixture)
{
    private const string StateName = "note";

    private IGrainStorage Storage => fixture.Cluster.Storage();

    private static GrainId NewGrain() => GrainId.Create("test-note", Guid.NewGuid().ToString("N"));

    private static GrainState<Note> State(string text = "", string? etag = null) => new(new Note { Text = text }) { ETag = etag };

    private async Task<GrainState<Note>> ReadAsync(GrainId grain, string stateName = StateName)
    {
        var state = new GrainState<Note>();
        await Storage.ReadStateAsync(stateName, grain, state, Ct);
        return state;
    }

    [Fact]
    public async Task ReadOfAMissingStateGivesANewStateWithoutETag()
    {
        var state = await ReadAsync(NewGrain());

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State!.Text);
    }

    [Fact]
    public async Task WriteThenReadGivesTheStateAndItsETag()
    {
        var grain = NewGrain();
        var written = State("hello");
        await Storage.WriteStateAsync(StateName, grain, written, Ct);

        var read = await ReadAsync(grain);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.Equal(written.ETag, read.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal("hello", read.State!.Text);
    }

    [Fact]
    public async Task EachWriteGivesANewETagAndTheOldOneNoLongerWrites()
    {
        var grain = NewGrain();
        var state = State("one");
        await Storage.WriteStateAsync(StateName, grain, state, Ct);
        var first = state.ETag;
        state.State!.Text = "two";
        await Storage.WriteStateAsync(StateName, grain, state, Ct);

        Assert.NotEqual(first, state.ETag);
        var stale = State("three", first);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, stale, Ct));
        Assert.Equal(state.ETag, conflict.StoredEtag);
        Assert.Equal(first, conflict.CurrentEtag);
        Assert.Equal("two", (await ReadAsync(grain)).State!.Text);
    }

    [Fact]
    public async Task OfTwoWritersHoldingOneETagTheSecondGetsAnETagConflict()
    {
        var grain = NewGrain();
        await Storage.WriteStateAsync(StateName, grain, State("start"), Ct);
        var first = await ReadAsync(grain);
        var second = await ReadAsync(grain);

        first.State!.Text = "first";
        await Storage.WriteStateAsync(StateName, grain, first, Ct);
        second.State!.Text = "second";
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, second, Ct));

        Assert.Equal("first", (await ReadAsync(grain)).State!.Text);
    }

    [Fact]
    public async Task OfManyConcurrentWritersHoldingOneETagExactlyOneSucceeds()
    {
        var grain = NewGrain();
        var writers = Enumerable.Range(0, 8).Select(i => State($"writer {i}")).ToList();

        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            try
            {
                await Storage.WriteStateAsync(StateName, grain, w, Ct);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        var winner = Assert.Single(writers.Where((_, i) => outcomes[i]));
        var stored = await ReadAsync(grain);
        Assert.Equal(winner.State!.Text, stored.State!.Text);
        Assert.Equal(winner.ETag, stored.ETag);
    }

    [Fact]
    public async Task ClearThenReadGivesANewStateWithoutRecord()
    {
        var grain = NewGrain();
        var state = State("doomed");
        await Storage.WriteStateAsync(StateName, grain, state, Ct);
        await Storage.ClearStateAsync(StateName, grain, state, Ct);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State!.Text);
        var read = await ReadAsync(grain);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task ClearHonoursTheETag()
    {
        var grain = NewGrain();
        var state = State("kept");
        await Storage.WriteStateAsync(StateName, grain, state, Ct);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, grain, State(etag: null), Ct));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, grain, State(etag: "0123456789abcdef0123456789abcdef"), Ct));

        Assert.Equal("kept", (await ReadAsync(grain)).State!.Text);
    }

    [Fact]
    public async Task ClearThenWriteStartsAfreshAndTheETagFromBeforeTheClearNoLongerWrites()
    {
        var grain = NewGrain();
        var state = State("before");
        await Storage.WriteStateAsync(StateName, grain, state, Ct);
        var beforeClear = state.ETag;
        await Storage.ClearStateAsync(StateName, grain, state, Ct);

        state.State!.Text = "after";
        await Storage.WriteStateAsync(StateName, grain, state, Ct);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, State("stale", beforeClear), Ct));

        var read = await ReadAsync(grain);
        Assert.Equal("after", read.State!.Text);
        Assert.NotEqual(beforeClear, read.ETag);
    }

    [Fact]
    public async Task StateNamesAndGrainIdsThatLookAlikeKeepRecordsOfTheirOwn()
    {
        // Slashes, escapes, control bytes, non-ASCII, an empty key and a long one: each pair must stay apart.
        // Keys are bytes: 0xFF and 0xFE are no UTF-8, and would both read as U+FFFD if keys were made from text.
        var keys = new[] { "a/b", "a%2Fb", "a%2fb", "a", "\0", "\u65e5\u672c", "\ud83d\ude00", " x ", "p/0000000000000000001", new string('k', 4096) }
            .Select(System.Text.Encoding.UTF8.GetBytes)
            .Concat([[0xFF], [0xFE], [0xFF, 0x2F]]);
        var targets = new List<(string StateName, GrainId Grain)>();
        foreach (var key in keys)
        {
            targets.Add((StateName, new GrainId(GrainType.Create("test-odd"), new IdSpan(key))));
            targets.Add((StateName, new GrainId(GrainType.Create("test-odd/x"), new IdSpan(key))));
        }

        targets.Add(("a/b", GrainId.Create("c", "d")));
        targets.Add(("a", GrainId.Create("b/c", "d")));
        targets.Add(("a", GrainId.Create("b", "c/d")));
        targets.Add(("\u00e9t\u00e9", GrainId.Create("test-odd", "x")));

        for (var i = 0; i < targets.Count; i++)
        {
            await Storage.WriteStateAsync(targets[i].StateName, targets[i].Grain, State($"record {i}"), Ct);
        }

        for (var i = 0; i < targets.Count; i++)
        {
            Assert.Equal($"record {i}", (await ReadAsync(targets[i].Grain, targets[i].StateName)).State!.Text);
        }
    }

    [Fact]
    public async Task AStateNameWithALoneSurrogateIsRefusedRatherThanSharingAKey()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.WriteStateAsync("bad\ud800", NewGrain(), State("x"), Ct));
    }

    [Fact]
    public async Task AStateTheSerializerCannotWriteFailsAndLeavesTheStoredState()
    {
        var grain = NewGrain();
        var good = new GrainState<Unwritable>(new Unwritable { Text = "good" });
        await Storage.WriteStateAsync(StateName, grain, good, Ct);
        var etag = good.ETag;

        good.State = new Unwritable { Text = "bad", Fails = true };
        await Assert.ThrowsAnyAsync<Exception>(() => Storage.WriteStateAsync(StateName, grain, good, Ct));

        Assert.Equal(etag, good.ETag);
        var read = new GrainState<Unwritable>();
        await Storage.ReadStateAsync(StateName, grain, read, Ct);
        Assert.Equal("good", read.State!.Text);
        Assert.Equal(etag, read.ETag);
    }

    [Fact]
    public async Task ACancelledTokenWritesAndClearsNothing()
    {
        var grain = NewGrain();
        var state = State("kept");
        await Storage.WriteStateAsync(StateName, grain, state, Ct);
        var etag = state.ETag;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        state.State!.Text = "lost";
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.WriteStateAsync(StateName, grain, state, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.ClearStateAsync(StateName, grain, state, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.ReadStateAsync(StateName, grain, state, cancelled.Token));

        Assert.Equal(etag, state.ETag);
        var read = await ReadAsync(grain);
        Assert.Equal("kept", read.State!.Text);
        Assert.Equal(etag, read.ETag);
    }

    [Fact]
    public async Task AHugeStateRoundTripsExactly()
    {
        var grain = NewGrain();
        var blob = new byte[12 << 20];
        new Random(Seeds.Of(16)).NextBytes(blob);
        var state = new GrainState<Note>(new Note { Text = "huge", Blob = blob });

        await Storage.WriteStateAsync(StateName, grain, state, Ct);
        var read = await ReadAsync(grain);

        Assert.Equal(blob, read.State!.Blob);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task ALargeStateRoundTripsThroughAGrain()
    {
        var blob = new byte[1 << 20];
        new Random(Seeds.Of(17)).NextBytes(blob);
        var grain = fixture.Cluster.Client.GetGrain<INoteGrain>(Guid.NewGuid().ToString("N"));

        await grain.Save(new Note { Text = "large", Blob = blob });
        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Equal(blob, (await grain.Load()).Blob);
    }

    [Fact]
    public async Task ManyGrainsKeepTheirOwnStates()
    {
        var grains = Enumerable.Range(0, 200).Select(i => (Grain: fixture.Cluster.Client.GetGrain<INoteGrain>($"many-{Guid.NewGuid():N}"), Text: $"grain {i}")).ToList();

        foreach (var batch in grains.Chunk(25))
        {
            await Task.WhenAll(batch.Select(g => g.Grain.Save(new Note { Text = g.Text })));
        }

        foreach (var batch in grains.Chunk(25))
        {
            await Task.WhenAll(batch.Select(g => fixture.Cluster.DeactivateAsync(g.Grain)));
        }

        var read = await Task.WhenAll(grains.Select(g => g.Grain.Load()));
        Assert.Equal(grains.Select(g => g.Text), read.Select(n => n.Text));
    }

    [Fact]
    public async Task AGrainDeactivatedAndReactivatedReadsItsState()
    {
        var grain = fixture.Cluster.Client.GetGrain<INoteGrain>(Guid.NewGuid().ToString("N"));
        await grain.Save(new Note { Text = "remembered" });

        await fixture.Cluster.DeactivateAsync(grain);

        Assert.True(await grain.Exists());
        Assert.Equal("remembered", (await grain.Load()).Text);
    }

    [Fact]
    public async Task AGrainClearsItsStateAndWritesAgain()
    {
        var grain = fixture.Cluster.Client.GetGrain<INoteGrain>(Guid.NewGuid().ToString("N"));
        await grain.Save(new Note { Text = "first" });
        await grain.Clear();
        await fixture.Cluster.DeactivateAsync(grain);
        Assert.False(await grain.Exists());

        await grain.Save(new Note { Text = "second" });
        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Equal("second", (await grain.Load()).Text);
    }

    [Fact]
    public async Task TheDefaultProviderServesStateAttributesThatNameNoProvider()
    {
        var grain = fixture.Cluster.Client.GetGrain<IDefaultNoteGrain>(Guid.NewGuid().ToString("N"));
        await grain.Save("by default");
        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Equal("by default", await grain.Load());
    }
}

/// <summary>A state Newtonsoft.Json (Orleans' default grain storage serializer) cannot write when <see cref="Fails"/> is set.</summary>
public sealed class Unwritable
{
    public string Text { get; set; } = "";

    public bool Fails { get; set; }

    public string Probe => Fails ? throw new InvalidOperationException("This state cannot be serialized.") : "ok";
}

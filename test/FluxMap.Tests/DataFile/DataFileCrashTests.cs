using FluxMap.DataFile;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.DataFile;

/// <summary>
/// Power loss and process kills at every step of the data file's work (write-behind flush,
/// checkpoint, compaction, the log's segment release), captured at the exact write or sync, and
/// damage to what the data file holds. After each crash the database must hold every
/// acknowledged commit, no deleted key, no half of a transaction, and the same again after a
/// second restart; damage must be a <see cref="CorruptionException"/> naming the file and the
/// offset, never a wrong value.
/// </summary>
public sealed class DataFileCrashTests
{
    private const string Dir = "/datafile-crash/db";
    private const int Groups = 120;
    private static readonly string DataPath = Path.Combine(Dir, DataFileFormat.FileName);

    // Each transaction writes or deletes a whole group: five keys, which spread over the three
    // write-behind shards, all holding the same value.
    private static readonly string[] Parts = ["a", "b", "c", "d", "e"];

    /// <summary>Where in the data file's work the crash happens.</summary>
    public enum CrashPoint
    {
        /// <summary>A write-behind flush wrote an extent no checkpoint lists yet.</summary>
        FlushExtentWritten,

        /// <summary>The checkpoint table is written, not yet synced.</summary>
        TableWritten,

        /// <summary>The table is synced; the header is not yet written.</summary>
        TableSynced,

        /// <summary>The header copy is written, not yet synced (and, as a torn write, only half of it).</summary>
        HeaderWritten,

        /// <summary>The header is synced; the log has not yet released the segments the previous checkpoint covers.</summary>
        HeaderSynced,

        /// <summary>The log renamed or deleted covered segments; the directory is not yet synced.</summary>
        SegmentsReleasing,

        /// <summary>Compaction wrote a new extent; the old one is not yet freed by a checkpoint.</summary>
        CompactionExtentWritten,

        /// <summary>After several checkpoints recycled segments, with commits in the recycled files.</summary>
        AfterRecycling,
    }

    private static FluxMapOptions Options(DurabilityMode mode = DurabilityMode.Full)
    {
        var options = DataFileFixture.Manual(Dir, mode, shards: 3, maxEntries: 1_000_000);

        // Room for what is written between two of the test's checkpoints, so the log never reaches
        // its bound and starts a checkpoint of its own: every checkpoint is one the test steps through.
        options.WalPoolSize = 4;
        options.CompactionThreshold = 0.25;
        return options;
    }

    private static ValueTask<FluxDatabase<string, string>> OpenAsync(FaultyStorage storage, FluxMapOptions? options = null) =>
        DataFileFixture.OpenAsync(storage, options ?? Options());

    private static Task<Dictionary<string, string>> ContentAsync(FluxDatabase<string, string> db) => DataFileFixture.ContentAsync(db);

    private static string Key(int group, string part) => $"g{group:D3}{part}";

    private static async Task WriteGroupAsync(FluxHandle<string, string> handle, Dictionary<string, string> model, int group, int version)
    {
        var value = $"{group}:{version}:{new string((char)('a' + (version % 26)), 300)}";
        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                foreach (var part in Parts)
                {
                    await tx.InsertAsync(Key(group, part), value, ct);
                }
            },
            Ct);
        foreach (var part in Parts)
        {
            model[Key(group, part)] = value;
        }
    }

    private static async Task DeleteGroupAsync(FluxHandle<string, string> handle, Dictionary<string, string> model, int group)
    {
        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                foreach (var part in Parts)
                {
                    Assert.True(await tx.RemoveAsync(Key(group, part), ct));
                }
            },
            Ct);
        foreach (var part in Parts)
        {
            model.Remove(Key(group, part));
        }
    }

    // Every group is whole: all five keys with one value, or none of them.
    private static void AssertGroupsWhole(Dictionary<string, string> content, string label)
    {
        foreach (var group in content.Keys.GroupBy(k => k[..4]))
        {
            var values = group.Select(k => content[k]).Distinct().ToList();
            Assert.True(group.Count() == Parts.Length && values.Count == 1, $"{label}: transaction of group {group.Key} half applied: {string.Join(", ", group)}");
        }
    }

    private static void AssertSame(Dictionary<string, string> expected, Dictionary<string, string> actual, string label)
    {
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).Take(5).ToList();
        var extra = actual.Keys.Where(k => !expected.ContainsKey(k)).Take(5).ToList();
        var wrong = expected.Keys.Where(k => actual.TryGetValue(k, out var v) && v != expected[k]).Take(5).ToList();
        Assert.True(
            missing.Count + extra.Count + wrong.Count == 0,
            $"{label}: missing (acknowledged) [{string.Join(", ", missing)}], present (deleted or never written) [{string.Join(", ", extra)}], wrong value [{string.Join(", ", wrong)}]");
    }

    // Opens what the crash left, checks it, then restarts twice: once by a power loss right after
    // recovery and once by a clean close; both must find exactly what recovery found.
    private static async Task VerifyAsync(FaultyStorage crashed, Dictionary<string, string> expected, string label, FluxMapOptions? options = null)
    {
        Dictionary<string, string> recovered;
        await using (var db = await OpenAsync(crashed, options))
        {
            recovered = await ContentAsync(db);
            AssertGroupsWhole(recovered, label);
            AssertSame(expected, recovered, label);
            await using var again = await OpenAsync(crashed.CloneDurable(), options);
            AssertSame(recovered, await ContentAsync(again), $"{label}, then power loss after recovery");
        }

        await using var reopened = await OpenAsync(crashed, options);
        AssertSame(recovered, await ContentAsync(reopened), $"{label}, then a clean restart");
    }

    [Theory]
    [InlineData(CrashPoint.FlushExtentWritten, DurabilityMode.Full)]
    [InlineData(CrashPoint.TableWritten, DurabilityMode.Full)]
    [InlineData(CrashPoint.TableSynced, DurabilityMode.Full)]
    [InlineData(CrashPoint.HeaderWritten, DurabilityMode.Full)]
    [InlineData(CrashPoint.HeaderSynced, DurabilityMode.Full)]
    [InlineData(CrashPoint.SegmentsReleasing, DurabilityMode.Full)]
    [InlineData(CrashPoint.CompactionExtentWritten, DurabilityMode.Full)]
    [InlineData(CrashPoint.AfterRecycling, DurabilityMode.Full)]
    [InlineData(CrashPoint.FlushExtentWritten, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.TableWritten, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.TableSynced, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.HeaderWritten, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.HeaderSynced, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.SegmentsReleasing, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.CompactionExtentWritten, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.AfterRecycling, DurabilityMode.Relaxed)]
    public async Task A_crash_at_each_step_keeps_acknowledged_commits_and_deletes_and_whole_transactions(CrashPoint point, DurabilityMode mode)
    {
        var (storage, crashes, options, db, commits) = await StartAsync(point, mode, shards: 3);
        var dataFile = db.Engine.DataFile!;
        var history = commits.History;

        // Round 0 fills the file; round 1 supersedes three groups in four and deletes every eighth,
        // leaving round 0's extents sparse; compaction moves their live records.
        for (var g = 0; g < Groups; g++)
        {
            await commits.WriteAsync(g, 0);
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);
        for (var g = 0; g < Groups; g++)
        {
            if (g % 8 == 0)
            {
                await commits.DeleteAsync(g);
            }
            else if (g % 4 != 0)
            {
                await commits.WriteAsync(g, 1);
            }
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);
        crashes.Phase = CrashPoint.CompactionExtentWritten;
        var moved = dataFile.Compact();
        crashes.Phase = null;
        await FlushAndCheckpointAsync(db, crashes, history.Count);

        // Round 2 brings some deleted groups back and deletes others; two more checkpoints free
        // what compaction left behind and release the log's covered segments into the pool.
        for (var g = 0; g < Groups; g++)
        {
            if (g % 16 == 0)
            {
                await commits.WriteAsync(g, 2);
            }
            else if (g % 4 == 1)
            {
                await commits.DeleteAsync(g);
            }
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);
        for (var g = 0; g < Groups; g += 3)
        {
            if (commits.Model.ContainsKey(Key(g, Parts[0])))
            {
                await commits.WriteAsync(g, 3);
            }
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);

        // Commits after the last checkpoint go to recycled segment files.
        for (var g = 1; g < Groups; g += 2)
        {
            await commits.WriteAsync(g, 4);
        }

        crashes.Capture(CrashPoint.AfterRecycling);
        var stats = db.GetStatistics();
        await db.DisposeAsync();

        Assert.True(moved > 0, "compaction moved nothing");
        Assert.True(stats.Checkpoints >= 5, $"{stats.Checkpoints} checkpoints");
        var highestSegment = storage.ListFiles(Dir, "wal-*.log").Max(name => long.Parse(name[4..^4], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(storage.Creates <= highestSegment, $"the log recycled no segment: {storage.Creates} files created for {highestSegment} segments");
        await VerifyCrashesAsync(crashes, history, options);
    }

    // A flush that no free run holds is cut over the free runs there are, and compaction gathers
    // the live records of several sparse extents into each copy; a crash at any write of either
    // keeps every acknowledged commit.
    [Theory]
    [InlineData(CrashPoint.FlushExtentWritten, DurabilityMode.Full)]
    [InlineData(CrashPoint.CompactionExtentWritten, DurabilityMode.Full)]
    [InlineData(CrashPoint.FlushExtentWritten, DurabilityMode.Relaxed)]
    [InlineData(CrashPoint.CompactionExtentWritten, DurabilityMode.Relaxed)]
    public async Task A_crash_while_a_flush_is_cut_over_free_runs_or_a_copy_gathers_sparse_extents_keeps_acknowledged_commits(CrashPoint point, DurabilityMode mode)
    {
        var (storage, crashes, options, db, commits) = await StartAsync(point, mode, shards: 1);
        var dataFile = db.Engine.DataFile!;
        var history = commits.History;

        async Task FlushAsync()
        {
            await db.FlushAsync(Ct);
            crashes.Synced = history.Count;
            await dataFile.FlushAllAsync(Ct);
        }

        // Ten extents of four groups (20 records, two blocks) each; the groups of every other one
        // are deleted, and two checkpoints later (a checkpoint with nothing new to cover is not
        // taken) their blocks are free: runs of two blocks between extents in use.
        for (var g = 0; g < 40; g++)
        {
            await commits.WriteAsync(g, 0);
            if (g % 4 == 3)
            {
                await FlushAsync();
            }
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);
        for (var g = 4; g < 40; g += g % 4 == 3 ? 5 : 1)
        {
            await commits.DeleteAsync(g);
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);
        await commits.WriteAsync(48, 0);
        await FlushAndCheckpointAsync(db, crashes, history.Count);

        // Eight new groups (40 records, four blocks) in one flush: no free run holds them.
        for (var g = 40; g < 48; g++)
        {
            await commits.WriteAsync(g, 0);
        }

        var writes = 0;
        storage.BeforeWrite = (path, _) => writes += path == DataPath ? 1 : 0;
        await db.FlushAsync(Ct);
        crashes.Synced = history.Count;
        crashes.Phase = CrashPoint.FlushExtentWritten;
        await dataFile.FlushAllAsync(Ct);
        crashes.Phase = null;
        storage.BeforeWrite = null;

        // Three groups in four of the remaining first extents rewritten: each is left a quarter live.
        for (var g = 0; g < 40; g += g % 4 == 3 ? 5 : 1)
        {
            if (g % 4 != 0)
            {
                await commits.WriteAsync(g, 1);
            }
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);
        var copies = 0;
        dataFile.CompactionCopyListed = () => copies++;
        crashes.Phase = CrashPoint.CompactionExtentWritten;
        var moved = dataFile.Compact();
        crashes.Phase = null;
        await FlushAndCheckpointAsync(db, crashes, history.Count);
        for (var g = 1; g < 49; g += 3)
        {
            await commits.WriteAsync(g, 2);
        }

        await FlushAndCheckpointAsync(db, crashes, history.Count);
        await db.DisposeAsync();

        Assert.True(writes >= 2, $"the flush was written with {writes} write: not cut");
        Assert.True(copies > 0 && moved > 5 * copies, $"{moved} records moved in {copies} copies: no copy gathered records of two extents (five live records each)");
        await VerifyCrashesAsync(crashes, history, options);
    }

    // A database whose commits are recorded, and crashes captured at each write of the chosen step.
    private static async Task<(FaultyStorage Storage, CrashRecorder Crashes, FluxMapOptions Options, FluxDatabase<string, string> Db, Commits Commits)> StartAsync(
        CrashPoint point, DurabilityMode mode, int shards)
    {
        var storage = new FaultyStorage();
        var crashes = new CrashRecorder(storage, point);
        var options = Options(mode);
        options.WriteBehindShards = shards;
        var db = await OpenAsync(storage, options);
        var commits = new Commits(db.CreateHandle());
        crashes.Position = () => (commits.History.Count, mode == DurabilityMode.Full ? commits.History.Count : crashes.Synced);
        return (storage, crashes, options, db, commits);
    }

    // Flushes the write-behind buffers and checkpoints, capturing crashes at each write.
    private static async Task FlushAndCheckpointAsync(FluxDatabase<string, string> db, CrashRecorder crashes, int commits)
    {
        // In Relaxed mode this flush may run ahead of the log's sync.
        var dataFile = db.Engine.DataFile!;
        crashes.Phase = CrashPoint.FlushExtentWritten;
        await dataFile.FlushAllAsync(Ct);

        // Relaxed commits are acknowledged before the log writes them: sync it and flush the
        // rest, so what the checkpoint does is all that happens from here on.
        crashes.Phase = null;
        await db.FlushAsync(Ct);
        crashes.Synced = commits;
        crashes.Phase = CrashPoint.FlushExtentWritten;
        await dataFile.FlushAllAsync(Ct);
        crashes.Phase = CrashPoint.TableWritten;
        await db.CheckpointAsync(Ct);
        crashes.Phase = null;
    }

    // Each crash must leave the state after some prefix of the history: at least the surely
    // durable one (in Full mode exactly the acknowledged commits), and the same after restarts.
    private static async Task VerifyCrashesAsync(CrashRecorder crashes, List<(int Group, string? Value)> history, FluxMapOptions options)
    {
        Assert.NotEmpty(crashes.Crashes);
        foreach (var (crashed, count, synced, label) in crashes.Crashes)
        {
            // The prefix at or after the surely durable one that matches what the crash left, if
            // any; else the durable one, to report against (in Full mode synced == count: exactly
            // the acknowledged commits).
            Dictionary<string, string> content;
            await using (var probe = await OpenAsync(crashed.CloneCurrent(), options))
            {
                content = await ContentAsync(probe);
            }

            var state = Replay(history, synced);
            var expected = new Dictionary<string, string>(state);
            for (var k = synced; k < count; k++)
            {
                Apply(state, history[k]);
                if (state.Count == content.Count && !state.Except(content).Any())
                {
                    expected = new Dictionary<string, string>(state);
                }
            }

            await VerifyAsync(crashed, expected, label, options);
        }
    }

    /// <summary>
    /// The commits a test makes, each a whole group, and their order (group, its value or null for
    /// a delete): a crash must leave the state after some prefix of them, in Full mode the whole of
    /// what was acknowledged, in Relaxed mode at least what a checkpoint or flush made durable.
    /// </summary>
    private sealed class Commits(FluxHandle<string, string> handle)
    {
        public Dictionary<string, string> Model { get; } = [];

        public List<(int Group, string? Value)> History { get; } = [];

        public async Task WriteAsync(int group, int version)
        {
            await WriteGroupAsync(handle, Model, group, version);
            History.Add((group, Model[Key(group, Parts[0])]));
        }

        public async Task DeleteAsync(int group)
        {
            await DeleteGroupAsync(handle, Model, group);
            History.Add((group, null));
        }
    }

    private static Dictionary<string, string> Replay(List<(int Group, string? Value)> history, int count)
    {
        var state = new Dictionary<string, string>();
        foreach (var commit in history.Take(count))
        {
            Apply(state, commit);
        }

        return state;
    }

    private static void Apply(Dictionary<string, string> state, (int Group, string? Value) commit)
    {
        foreach (var part in Parts)
        {
            if (commit.Value is null)
            {
                state.Remove(Key(commit.Group, part));
            }
            else
            {
                state[Key(commit.Group, part)] = commit.Value;
            }
        }
    }

    [Fact]
    public async Task A_delete_committed_while_compaction_moves_the_key_stays_deleted_after_a_checkpoint_and_power_loss()
    {
        var storage = new FaultyStorage();
        var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        var dataFile = db.Engine.DataFile!;
        var model = new Dictionary<string, string>();
        for (var g = 0; g < Groups; g++)
        {
            await WriteGroupAsync(handle, model, g, 0);
        }

        await db.CheckpointAsync(Ct);
        for (var g = 0; g < Groups; g++)
        {
            if (g % 4 != 0)
            {
                await WriteGroupAsync(handle, model, g, 1);
            }
        }

        await db.CheckpointAsync(Ct);

        // Compaction copied the live records of its first victim (groups g % 4 == 0) and listed
        // the copy, but has not yet pointed the keys at it. Meanwhile every one of those groups is
        // deleted, and a checkpoint that covers the deletes starts; compaction then goes on.
        using var resume = new ManualResetEventSlim(false);
        using var reached = new SemaphoreSlim(0);
        var first = true;
        dataFile.CompactionCopyListed = () =>
        {
            if (first)
            {
                first = false;
                reached.Release();
                resume.Wait();
            }
        };
        var compaction = Task.Run(dataFile.Compact, Ct);
        await reached.WaitAsync(Ct);
        for (var g = 0; g < Groups; g += 4)
        {
            await DeleteGroupAsync(handle, model, g);
        }

        var checkpoint = db.CheckpointAsync(Ct);
        resume.Set();
        Assert.True(await compaction > 0);
        await checkpoint;
        var crashed = storage.CloneDurable();
        await db.DisposeAsync();

        await VerifyAsync(crashed, model, "power loss after a checkpoint taken while compaction moved deleted keys");
    }

    [Fact]
    public async Task A_torn_header_write_falls_back_to_the_previous_checkpoint()
    {
        var storage = new FaultyStorage();
        var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        var model = new Dictionary<string, string>();
        for (var g = 0; g < 40; g++)
        {
            await WriteGroupAsync(handle, model, g, 0);
        }

        await db.CheckpointAsync(Ct);
        var previous = db.GetStatistics().CheckpointLsn;
        for (var g = 0; g < 40; g += 2)
        {
            await DeleteGroupAsync(handle, model, g);
        }

        // The next checkpoint's header write reaches the disk only halfway: its first 30 bytes.
        FaultyStorage? torn = null;
        storage.AfterWrite = (path, offset, length) =>
        {
            if (path == DataPath && offset < DataFileFormat.FirstDataBlock * DataFileFormat.BlockSize)
            {
                torn = TearWrite(storage, path, offset, DataFileFormat.HeaderSize / 2);
            }
        };
        await db.CheckpointAsync(Ct);
        storage.AfterWrite = null;
        Assert.True(db.GetStatistics().CheckpointLsn > previous);
        await db.DisposeAsync();

        Assert.NotNull(torn);
        await using (var reopened = await OpenAsync(torn))
        {
            Assert.Equal(previous, reopened.GetStatistics().CheckpointLsn);
        }

        await VerifyAsync(torn, model, "torn header");
    }

    [Fact]
    public async Task A_commit_in_flight_at_a_crash_is_all_or_nothing_though_write_behind_already_wrote_it()
    {
        var storage = new FaultyStorage();
        using var gate = new ManualResetEventSlim(false);
        var db = await OpenAsync(storage);
        var handle = db.CreateHandle();
        var model = new Dictionary<string, string>();
        for (var g = 0; g < 30; g++)
        {
            await WriteGroupAsync(handle, model, g, 0);
        }

        await db.CheckpointAsync(Ct);
        var acknowledged = new Dictionary<string, string>(model);

        // The commit's log sync is held: it is not acknowledged, yet the log handed it to the
        // write-behind buffers, and a flush writes it to the data file.
        storage.ResetSyncSignals();
        storage.SyncGate = gate;
        var inFlight = new Dictionary<string, string>(model);
        var commit = WriteGroupAsync(handle, inFlight, 7, 1);
        await storage.SyncStarted.WaitAsync(Ct);
        await db.Engine.DataFile!.FlushAllAsync(Ct);
        Assert.False(commit.IsCompleted);
        var powerLoss = storage.CloneDurable();
        var kill = storage.CloneCurrent();
        gate.Set();
        await commit;
        await db.DisposeAsync();

        // Power loss: the log never synced it, so it is gone, all five keys. A kill: the log's
        // written record survives in the page cache, so it is back, all five keys.
        await VerifyAsync(powerLoss, acknowledged, "power loss with a commit in flight");
        await VerifyAsync(kill, inFlight, "kill with a commit in flight");
    }

    public enum Damage
    {
        LiveRecord,
        Table,
        BothHeaders,
    }

    [Theory]
    [InlineData(Damage.LiveRecord)]
    [InlineData(Damage.Table)]
    [InlineData(Damage.BothHeaders)]
    public async Task A_flipped_byte_is_corruption_naming_the_data_file_and_offset(Damage damage)
    {
        var storage = new FaultyStorage();
        await using (var db = await OpenAsync(storage))
        {
            var handle = db.CreateHandle();
            var model = new Dictionary<string, string>();
            for (var g = 0; g < 60; g++)
            {
                await WriteGroupAsync(handle, model, g, 0);
            }

            await db.CheckpointAsync(Ct);
            for (var g = 0; g < 60; g += 3)
            {
                await WriteGroupAsync(handle, model, g, 1);
            }
        }

        var bytes = storage.ReadFile(DataPath);
        var header = NewestHeader(bytes);
        var tableOffset = header.TableBlock * DataFileFormat.BlockSize;
        long expectedOffset;
        switch (damage)
        {
            case Damage.LiveRecord:
                // A live record in the middle of an extent, not its first: the offset must be the record's.
                var table = DataFileFormat.ReadTable(bytes.AsSpan((int)tableOffset, header.TableLength), DataPath, tableOffset);
                var (extent, record) = table
                    .SelectMany(e => Enumerable.Range(1, Math.Max(0, e.RecordCount - 1)).Select(i => (Extent: e, Index: i)))
                    .First(r => (r.Extent.Live[r.Index >> 6] & (1UL << (r.Index & 63))) != 0);
                expectedOffset = RecordOffset(bytes, extent, record);
                bytes[expectedOffset + DataFileFormat.RecordPrefixSize + 5] ^= 0x20;
                break;
            case Damage.Table:
                expectedOffset = tableOffset;
                bytes[tableOffset + 14] ^= 0x01;
                break;
            default:
                expectedOffset = 0;
                bytes[20] ^= 0x01;
                bytes[DataFileFormat.BlockSize + 20] ^= 0x01;
                break;
        }

        storage.ReplaceFile(DataPath, bytes);
        var e = await Assert.ThrowsAsync<CorruptionException>(async () => await OpenAsync(storage));
        Assert.Equal(DataPath, e.FilePath);
        Assert.Equal(expectedOffset, e.Offset);
        Assert.Contains(DataPath, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flipped_byte_in_a_paged_out_record_is_corruption_on_read_never_a_wrong_value()
    {
        var storage = new FaultyStorage();
        var options = Options();
        options.MemoryLimit = 64 * 1024;
        await using var db = await OpenAsync(storage, options);
        var handle = db.CreateHandle();
        var model = new Dictionary<string, string>();
        for (var g = 0; g < 60; g++)
        {
            await WriteGroupAsync(handle, model, g, 0);
        }

        await db.CheckpointAsync(Ct);
        db.Engine.Transactions.PageOutOverLimit();
        Assert.True(db.GetStatistics().PagedOutValues > 0, "nothing was paged out");

        // Damage one byte in every record's body of the first extent the table lists.
        var bytes = storage.ReadFile(DataPath);
        var header = NewestHeader(bytes);
        var tableOffset = header.TableBlock * DataFileFormat.BlockSize;
        var extent = DataFileFormat.ReadTable(bytes.AsSpan((int)tableOffset, header.TableLength), DataPath, tableOffset)[0];
        var damaged = Enumerable.Range(0, extent.RecordCount).Select(i => RecordOffset(bytes, extent, i)).ToHashSet();
        foreach (var at in damaged)
        {
            bytes[at + DataFileFormat.RecordPrefixSize + 5] ^= 0x20;
        }

        storage.ReplaceFile(DataPath, bytes);
        var failures = 0;
        foreach (var (key, value) in model)
        {
            try
            {
                Assert.Equal(value, (await handle.GetAsync(key, Ct)).Value);
            }
            catch (CorruptionException e)
            {
                Assert.Equal(DataPath, e.FilePath);
                Assert.Contains(e.Offset, damaged);
                failures++;
            }
        }

        Assert.True(failures > 0, "no read touched a damaged record");
    }

    private static DataFileHeader NewestHeader(byte[] bytes)
    {
        DataFileHeader? newest = null;
        for (var copy = 0; copy < DataFileFormat.FirstDataBlock; copy++)
        {
            var offset = copy * DataFileFormat.BlockSize;
            if (DataFileFormat.TryReadHeader(bytes.AsSpan(offset, DataFileFormat.BlockSize), out var header) && header.Generation > (newest?.Generation ?? -1))
            {
                newest = header;
            }
        }

        Assert.NotNull(newest);
        return newest;
    }

    // Walks the extent's records to the offset of record `index`.
    private static long RecordOffset(byte[] bytes, ExtentImage extent, int index)
    {
        var offset = extent.Start * DataFileFormat.BlockSize;
        for (var i = 0; i < index; i++)
        {
            var length = DataFileFormat.ReadRecord(bytes.AsSpan((int)offset), out _);
            Assert.True(length > 0);
            offset += length;
        }

        return offset;
    }

    // What a power loss leaves when a write reached the disk only in part: the durable state with
    // just the first `written` bytes of the write in place.
    private static FaultyStorage TearWrite(FaultyStorage storage, string path, long offset, int written)
    {
        var torn = storage.CloneDurable();
        var current = storage.ReadFile(path);
        var durable = torn.ReadFile(path);
        if (durable.Length < offset + written)
        {
            Array.Resize(ref durable, (int)offset + written);
        }

        Array.Copy(current, offset, durable, offset, written);
        torn.ReplaceFile(path, durable);
        return torn;
    }

    /// <summary>
    /// Watches the storage and, at each instant of the chosen step, records what a power loss
    /// (synced state) and a process kill (written state) would leave, with the commits
    /// acknowledged by then.
    /// </summary>
    private sealed class CrashRecorder
    {
        private readonly FaultyStorage _storage;
        private readonly CrashPoint _step;
        private string? _lastDataWrite;
        private int _captures;

        public CrashRecorder(FaultyStorage storage, CrashPoint step)
        {
            _storage = storage;
            _step = step;
            storage.AfterWrite = OnWrite;
            storage.AfterSync = OnSync;
            storage.BeforeDirectorySync = OnDirectorySync;
        }

        /// <summary>Gets or sets how many commits were acknowledged and how many are surely durable, read at each crash.</summary>
        public Func<(int Count, int Synced)> Position { get; set; } = () => (0, 0);

        /// <summary>Gets or sets how many commits the log has synced for sure (Relaxed mode).</summary>
        public int Synced { get; set; }

        /// <summary>Gets or sets what the test is doing: flushing, checkpointing or compacting; null while committing.</summary>
        public CrashPoint? Phase { get; set; }

        public List<(FaultyStorage Storage, int Count, int Synced, string Label)> Crashes { get; } = [];

        public void Capture(CrashPoint step, long offset = -1, int length = 0)
        {
            if (step != _step)
            {
                return;
            }

            var label = $"{step} #{_captures++}";
            var (count, synced) = Position();
            Crashes.Add((_storage.CloneDurable(), count, synced, $"power loss at {label}"));
            Crashes.Add((_storage.CloneCurrent(), count, synced, $"kill at {label}"));
            if (length > 0)
            {
                // The disk may persist unsynced writes in any order: this one made it, the ones before it did not.
                Crashes.Add((TearWrite(_storage, DataPath, offset, length), count, synced, $"power loss at {label}, only this write persisted"));
            }

            if (step == CrashPoint.HeaderWritten)
            {
                Crashes.Add((TearWrite(_storage, DataPath, offset, DataFileFormat.HeaderSize / 2), count, synced, $"torn write at {label}"));
            }
        }

        private void OnWrite(string path, long offset, int length)
        {
            if (path != DataPath || Phase is null)
            {
                return;
            }

            if (offset < DataFileFormat.FirstDataBlock * DataFileFormat.BlockSize)
            {
                _lastDataWrite = "header";
                Capture(CrashPoint.HeaderWritten, offset, length);
            }
            else if (Phase == CrashPoint.TableWritten && _storage.ReadFile(path).AsSpan((int)offset).StartsWith("FLUXTBL1"u8))
            {
                _lastDataWrite = "table";
                Capture(CrashPoint.TableWritten, offset, length);
            }
            else
            {
                _lastDataWrite = "extent";
                Capture(Phase == CrashPoint.TableWritten ? CrashPoint.FlushExtentWritten : Phase.Value, offset, length);
            }
        }

        private void OnSync(string path)
        {
            if (path == DataPath && Phase == CrashPoint.TableWritten)
            {
                Capture(_lastDataWrite == "table" ? CrashPoint.TableSynced : CrashPoint.HeaderSynced);
            }
        }

        private void OnDirectorySync()
        {
            if (Phase == CrashPoint.TableWritten)
            {
                Capture(CrashPoint.SegmentsReleasing);
            }
        }
    }
}

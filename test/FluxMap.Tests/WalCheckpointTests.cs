using FluxMap.Diagnostics;
using FluxMap.Durability;
using FluxMap.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// The write-ahead log's side of checkpoints: recovery from a checkpoint after the segments it
/// covered were released, releasing them, and recycling them through the segment pool, crashes
/// included. Drives recovery and the writer directly, as the engine does when it opens.
/// </summary>
public sealed class WalCheckpointTests
{
    private const string Dir = "/checkpoint/db";
    private const int SegmentSize = 64 * 1024;

    private static readonly WalCodec<string, int> Codec = new(null);

    private static FluxMapOptions Options(int poolSize = 16, bool recoverToLastValidRecord = false) => new()
    {
        Durability = DurabilityMode.Full,
        DataDirectory = Dir,
        WalSegmentSize = SegmentSize,
        WalPoolSize = poolSize,
        RecoverToLastValidRecord = recoverToLastValidRecord,
    };

    // About 340 bytes a record: a 64 KiB segment holds about 190.
    private static string Key(long lsn) => $"k{lsn:D6}:" + new string('p', 300);

    private static List<long> Lsns(long first, long last) => [.. Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + i)];

    // Each segment in the storage with the LSNs of its first and last record (0 when it has none).
    private static List<(string Path, long First, long Last)> Segments(FaultyStorage storage) =>
        [.. storage.FileNames.Where(name => name.EndsWith(".log", StringComparison.Ordinal)).Select(path =>
        {
            var records = RecordsOf(storage.ReadFile(path));
            return (path, records.FirstOrDefault().Lsn, records.LastOrDefault().Lsn);
        })];

    private static List<string> PoolFiles(FaultyStorage storage) => [.. storage.FileNames.Where(name => name.EndsWith(".tmp", StringComparison.Ordinal))];

    private static long SequenceOf(string path) => long.Parse(Path.GetFileNameWithoutExtension(path).Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Recovery_after_a_checkpoint_applies_only_later_commits_and_the_log_goes_on()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        List<string> kept;
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(1000);
            var segments = Segments(storage);
            Assert.True(segments.Count >= 5, $"only {segments.Count} segments");
            checkpoint = segments[2].First + 10;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
            kept = [.. segments.Skip(2).Select(s => s.Path)];
        }

        // The release was durable: a power loss does not bring the two released segments back.
        storage.PowerLoss();
        Assert.Equal(kept, Segments(storage).Select(s => s.Path));
        await using (var wal = TestWal.Open(storage, checkpoint))
        {
            // The first segment starts below the checkpoint: those records carry the chain, unapplied.
            Assert.True(Segments(storage)[0].First < checkpoint);
            Assert.Equal(Lsns(checkpoint + 1, 1000), wal.Applied);
            Assert.Equal(1000, wal.LastLsn);
            await wal.AppendAsync(5);
        }

        storage.PowerLoss();
        await using var again = TestWal.Open(storage, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, 1005), again.Applied);
    }

    [Fact]
    public async Task A_damaged_record_below_the_checkpoint_in_the_first_segment_still_breaks_the_chain()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(600);
            checkpoint = Segments(storage)[1].First + 20;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
        }

        var first = Segments(storage)[0].Path;
        var bytes = storage.ReadFile(first);
        bytes[WalFormat.SegmentHeaderSize + 12] ^= 0x01; // inside the first record, LSN below the checkpoint
        storage.ReplaceFile(first, bytes);

        var error = Assert.Throws<CorruptionException>(() => TestWal.Open(storage, checkpoint));
        Assert.Equal(first, error.FilePath);
        Assert.Equal(WalFormat.SegmentHeaderSize, error.Offset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Commits_missing_right_after_the_checkpoint_are_corruption_naming_the_file(bool recoverToLastValidRecord)
    {
        var storage = new FaultyStorage();
        (string Path, long First, long Last) firstKept;
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(1000);
            var segments = Segments(storage);
            firstKept = segments[3];
            await wal.Writer.ReleaseThroughAsync(segments[2].Last, Ct);
        }

        // A checkpoint older than the release: LSNs it does not cover are gone with the segments.
        var stale = firstKept.First - 6;
        var error = Assert.Throws<CorruptionException>(() => TestWal.Open(storage, stale, Options(recoverToLastValidRecord: recoverToLastValidRecord)));
        Assert.Equal(firstKept.Path, error.FilePath);
        Assert.Equal(WalFormat.SegmentHeaderSize, error.Offset);
        Assert.Contains($"LSNs {stale + 1}..{firstKept.First - 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains(firstKept.Path, error.Message, StringComparison.Ordinal);

        // The checkpoint the release was made for opens fine.
        await using var opened = TestWal.Open(storage, firstKept.First - 1);
        Assert.Equal(Lsns(firstKept.First, 1000), opened.Applied);
    }

    [Fact]
    public async Task A_release_takes_exactly_the_finished_segments_the_checkpoint_covers_and_never_the_current_one()
    {
        var storage = new FaultyStorage();
        await using var wal = TestWal.Open(storage, 0);
        await wal.AppendAsync(1200);
        var segments = Segments(storage);
        Assert.True(segments.Count >= 6, $"only {segments.Count} segments");
        Assert.Equal(segments.Count, wal.Writer.SegmentCount);

        // One LSN short of a segment's last record keeps that segment.
        await wal.Writer.ReleaseThroughAsync(segments[1].Last - 1, Ct);
        Assert.Equal(segments.Skip(1).Select(s => s.Path), Segments(storage).Select(s => s.Path));

        await wal.Writer.ReleaseThroughAsync(segments[3].Last, Ct);
        Assert.Equal(segments.Skip(4).Select(s => s.Path), Segments(storage).Select(s => s.Path));
        Assert.Equal(segments.Count - 4, wal.Writer.SegmentCount);

        // Every record is covered, the current segment's too: it stays all the same.
        await wal.Writer.ReleaseThroughAsync(long.MaxValue, Ct);
        Assert.Equal(segments[^1].Path, Assert.Single(Segments(storage)).Path);
        Assert.Equal(1, wal.Writer.SegmentCount);

        // The pool has room for all of them: recycled, not deleted, and accounted for.
        Assert.Equal(segments.SkipLast(1).Select(s => SequenceOf(s.Path)), PoolFiles(storage).Select(SequenceOf));
        Assert.Equal(storage.FileNames.Sum(name => (long)storage.ReadFile(name).Length), wal.Writer.DiskBytes);
    }

    [Fact]
    public async Task Beyond_WalPoolSize_released_segments_are_deleted()
    {
        var storage = new FaultyStorage();
        await using var wal = TestWal.Open(storage, 0, Options(poolSize: 3));
        await wal.AppendAsync(1200);
        Assert.True(Segments(storage).Count >= 6);

        await wal.Writer.ReleaseThroughAsync(long.MaxValue, Ct);

        Assert.Single(Segments(storage));
        Assert.Equal(2, PoolFiles(storage).Count);
        Assert.Equal(3L * SegmentSize, wal.Writer.DiskBytes);
    }

    [Fact]
    public async Task Under_a_long_write_load_rotation_reuses_pooled_files_and_the_log_stays_within_WalPoolSize_files()
    {
        const int poolSize = 4;
        var storage = new FaultyStorage();
        long checkpoint = 0;
        await using (var wal = TestWal.Open(storage, 0, Options(poolSize)))
        {
            for (var round = 0; round < 60; round++)
            {
                await wal.AppendAsync(100);
                checkpoint = wal.LastLsn - 50; // the checkpoint trails the log a little
                await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);

                Assert.True(storage.FileNames.Count <= poolSize, $"round {round}: {string.Join(", ", storage.FileNames)}");
                Assert.Equal(Segments(storage).Count, wal.Writer.SegmentCount);
                Assert.Equal(storage.FileNames.Sum(name => (long)storage.ReadFile(name).Length), wal.Writer.DiskBytes);
            }
        }

        // About thirty segments were written, yet only the first few files were ever created.
        Assert.True(SequenceOf(Segments(storage)[^1].Path) > 25, $"only reached {Segments(storage)[^1].Path}");
        Assert.True(storage.Creates <= poolSize, $"{storage.Creates} files created");

        storage.PowerLoss();
        var logger = new FakeLogger();
        await using var reopened = TestWal.Open(storage, checkpoint, Options(poolSize), logger);
        Assert.Equal(Lsns(checkpoint + 1, 6000), reopened.Applied);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_recycled_segment_holding_old_records_recovers_exactly_with_no_torn_tail_warning_or_repair()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        await using (var wal = TestWal.Open(storage, 0, Options(poolSize: 4)))
        {
            await wal.AppendAsync(800);
            checkpoint = wal.LastLsn;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);

            // Into the pooled files: the current segment is recycled and only partly overwritten.
            await wal.AppendAsync(250);
        }

        var (current, first, last) = Segments(storage)[^1];
        Assert.Equal(1050, last);
        var before = storage.ReadFile(current);
        Assert.True(WalFormat.IsRecycled(before));
        Assert.Contains(OldRecords(before, first), lsn => lsn < checkpoint);

        for (var restart = 0; restart < 2; restart++)
        {
            storage.PowerLoss();
            var logger = new FakeLogger();
            await using var wal = TestWal.Open(storage, checkpoint, Options(poolSize: 4), logger);
            Assert.Equal(Lsns(checkpoint + 1, 1050), wal.Applied);
            Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
            Assert.Equal(before, storage.ReadFile(current)); // nothing zeroed
        }

        // The log goes on over the old records, and they still stay out of it.
        await using (var wal = TestWal.Open(storage, checkpoint, Options(poolSize: 4)))
        {
            await wal.AppendAsync(3);
        }

        storage.PowerLoss();
        await using var final = TestWal.Open(storage, checkpoint, Options(poolSize: 4));
        Assert.Equal(Lsns(checkpoint + 1, 1053), final.Applied);
    }

    [Fact]
    public async Task A_torn_write_into_a_recycled_segment_is_still_cut_off()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        await using (var wal = TestWal.Open(storage, 0, Options(poolSize: 4)))
        {
            await wal.AppendAsync(800);
            checkpoint = wal.LastLsn;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
            await wal.AppendAsync(250);
        }

        // Tear the second-to-last record where an end mark would be, its first bytes never written:
        // the last record is still whole, one the log expects, so what follows is no old record.
        var (current, _, _) = Segments(storage)[^1];
        var bytes = storage.ReadFile(current);
        Array.Clear(bytes, RecordsOf(bytes)[^3].End, WalFormat.RecordHeaderSize);
        storage.ReplaceFile(current, bytes);

        var logger = new FakeLogger();
        var lenient = Options(poolSize: 4, recoverToLastValidRecord: true);
        await using (var wal = TestWal.Open(storage, checkpoint, lenient, logger))
        {
            Assert.Equal(Lsns(checkpoint + 1, 1048), wal.Applied);
            Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

            // The record after the cut is gone for good: the log goes on with new commits there.
            await wal.AppendAsync(1);
        }

        await using var reopened = TestWal.Open(storage, checkpoint, lenient);
        Assert.Equal(Lsns(checkpoint + 1, 1049), reopened.Applied);
    }

    [Fact]
    public async Task A_power_loss_before_a_release_is_durable_brings_the_segments_back_and_loses_nothing()
    {
        var storage = new FaultyStorage();
        await using var wal = TestWal.Open(storage, 0);
        await wal.AppendAsync(1000);
        var segments = Segments(storage);
        var checkpoint = segments[3].First + 5;
        FaultyStorage? crashed = null;
        storage.BeforeDirectorySync = () => crashed ??= storage.CloneDurable();
        await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
        storage.BeforeDirectorySync = null;

        Assert.NotNull(crashed);
        Assert.Equal(segments.Select(s => s.Path), Segments(crashed).Select(s => s.Path));
        Assert.Empty(PoolFiles(crashed));
        await using (var recovered = TestWal.Open(crashed, checkpoint))
        {
            Assert.Equal(Lsns(checkpoint + 1, 1000), recovered.Applied);

            // The segments that came back are released again, and the log goes on through the pool.
            await recovered.Writer.ReleaseThroughAsync(checkpoint, Ct);
            Assert.Equal(segments.Skip(3).Select(s => s.Path), Segments(crashed).Select(s => s.Path));
            await recovered.AppendAsync(600);
        }

        crashed.PowerLoss();
        await using var final = TestWal.Open(crashed, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, 1600), final.Applied);
    }

    [Fact]
    public async Task A_release_a_crash_cut_short_may_leave_any_of_its_segments_and_recovery_skips_them()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        List<(string Path, long First, long Last)> segments;
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(1000);
            segments = Segments(storage);
            checkpoint = segments[3].First + 5;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
        }

        // Renames reach the disk in any order: say the middle one did not.
        storage.Move(WalFileName.Pool.Path(Dir, SequenceOf(segments[1].Path)), segments[1].Path);
        storage.SyncDirectory(Dir);
        storage.PowerLoss();

        await using (var wal = TestWal.Open(storage, checkpoint))
        {
            Assert.Equal(Lsns(checkpoint + 1, 1000), wal.Applied);
            Assert.Contains(wal.Recovered.Finished, s => s.Sequence == SequenceOf(segments[1].Path) && s.LastLsn <= checkpoint);
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
            Assert.Equal(segments.Skip(3).Select(s => s.Path), Segments(storage).Select(s => s.Path));
            await wal.AppendAsync(600);
        }

        storage.PowerLoss();
        await using var final = TestWal.Open(storage, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, 1600), final.Applied);
    }

    [Fact]
    public async Task A_power_loss_while_a_pooled_file_becomes_a_segment_loses_nothing_that_was_synced()
    {
        var storage = new FaultyStorage();
        await using var wal = TestWal.Open(storage, 0);
        await wal.AppendAsync(600);
        var checkpoint = wal.LastLsn;
        await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
        var pooled = PoolFiles(storage);
        Assert.NotEmpty(pooled);

        // Each commit is synced alone; the rotation's directory sync comes after the pooled file
        // was renamed and its new header synced.
        FaultyStorage? crashed = null;
        long synced = 0;
        storage.BeforeDirectorySync = () => crashed ??= storage.CloneDurable();
        while (crashed is null)
        {
            synced = wal.LastLsn;
            await wal.AppendAsync(1);
        }

        storage.BeforeDirectorySync = null;
        Assert.Equal(pooled, PoolFiles(crashed)); // the rename is lost
        await using (var recovered = TestWal.Open(crashed, checkpoint))
        {
            Assert.Equal(Lsns(checkpoint + 1, synced), recovered.Applied);

            // The same pooled file serves the next rotation, over the header the crash left in it.
            await recovered.AppendAsync(300);
            Assert.True(PoolFiles(crashed).Count < pooled.Count);
        }

        crashed.PowerLoss();
        await using var final = TestWal.Open(crashed, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, synced + 300), final.Applied);
    }

    [Fact]
    public async Task A_power_loss_before_the_first_record_of_a_recycled_segment_is_synced_never_reads_its_old_records()
    {
        var storage = new FaultyStorage();
        await using var wal = TestWal.Open(storage, 0);
        await wal.AppendAsync(600);
        var checkpoint = wal.LastLsn;
        await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);

        // Hold the first sync after the rotation made the pooled file a segment: its name and
        // header are durable, the first record is written but not synced.
        using var gate = new ManualResetEventSlim(false);
        var rotated = new TaskCompletionSource();
        storage.BeforeDirectorySync = () =>
        {
            storage.ResetSyncSignals();
            storage.SyncGate = gate;
            rotated.TrySetResult();
        };
        long synced;
        Task append;
        do
        {
            synced = wal.LastLsn;
            append = wal.AppendAsync(1);
            await Task.WhenAny(append, rotated.Task);
        }
        while (!rotated.Task.IsCompleted);

        await storage.SyncStarted.WaitAsync(Ct);
        var crashed = storage.CloneDurable();
        storage.BeforeDirectorySync = null;
        storage.SyncGate = null;
        gate.Set();
        await append;

        var (recycled, first, _) = Segments(crashed)[^1];
        Assert.Equal(0, first); // no record of its new life, and the old ones are behind the end mark
        Assert.NotEmpty(OldRecords(crashed.ReadFile(recycled), long.MaxValue));
        await using (var recovered = TestWal.Open(crashed, checkpoint))
        {
            Assert.Equal(Lsns(checkpoint + 1, synced), recovered.Applied);
            await recovered.AppendAsync(300);
        }

        crashed.PowerLoss();
        await using var final = TestWal.Open(crashed, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, synced + 300), final.Applied);
    }

    [Fact]
    public async Task A_pooled_file_renamed_into_the_log_without_its_new_header_is_not_read_as_a_segment()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(800);
            checkpoint = wal.LastLsn - 100;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
        }

        // The rename reached the disk, the header write did not: the file still starts as the
        // segment it was, with its old records.
        var pooled = PoolFiles(storage)[^1];
        var next = WalFileName.Segment.Path(Dir, SequenceOf(Segments(storage)[^1].Path) + 1);
        storage.Move(pooled, next);
        storage.SyncDirectory(Dir);
        storage.PowerLoss();

        await using (var wal = TestWal.Open(storage, checkpoint))
        {
            Assert.Equal(Lsns(checkpoint + 1, 800), wal.Applied);
            Assert.DoesNotContain(next, storage.FileNames);
            await wal.AppendAsync(400);
        }

        storage.PowerLoss();
        await using var final = TestWal.Open(storage, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, 1200), final.Applied);
    }

    [Fact]
    public async Task With_no_segment_left_the_log_starts_after_the_checkpoint_past_every_pooled_name()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(800);
            checkpoint = wal.LastLsn;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
        }

        storage.Delete(Assert.Single(Segments(storage)).Path);
        storage.SyncDirectory(Dir);
        var highestPooled = PoolFiles(storage).Max(SequenceOf);
        var last = checkpoint + 1000;

        await using (var wal = TestWal.Open(storage, checkpoint))
        {
            Assert.Empty(wal.Applied);
            Assert.Equal(checkpoint, wal.LastLsn);
            Assert.True(wal.Recovered.Segment.Sequence > highestPooled);

            // Rotations and releases over the pool: no name is ever taken twice.
            while (wal.LastLsn < last)
            {
                await wal.AppendAsync(100);
                checkpoint = wal.LastLsn - 50;
                await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
            }
        }

        storage.PowerLoss();
        await using var final = TestWal.Open(storage, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, last), final.Applied);
    }

    [Fact]
    public async Task New_segments_take_sequences_past_every_pooled_file()
    {
        var storage = new FaultyStorage();
        long checkpoint;
        long current;
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(700);
            var segments = Segments(storage);
            checkpoint = segments[^2].Last;
            await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
            current = SequenceOf(segments[^1].Path);
        }

        // The writer does not count on pooled files being numbered below the current segment: a
        // segment numbered like a pooled file could not be retired under its own name.
        var pooled = PoolFiles(storage);
        storage.Move(pooled[0], WalFileName.Pool.Path(Dir, current + 1));
        storage.Move(pooled[1], WalFileName.Pool.Path(Dir, current + 2));
        storage.SyncDirectory(Dir);

        await using (var wal = TestWal.Open(storage, checkpoint))
        {
            for (var round = 0; round < 10; round++)
            {
                await wal.AppendAsync(100);
                checkpoint = wal.LastLsn - 50;
                await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
            }

            Assert.All(Segments(storage), s => Assert.True(SequenceOf(s.Path) > current + 2, s.Path));
        }

        storage.PowerLoss();
        await using var final = TestWal.Open(storage, checkpoint);
        Assert.Equal(Lsns(checkpoint + 1, 1700), final.Applied);
    }

    [Fact]
    public async Task A_log_that_ends_before_the_checkpoint_goes_on_after_it_in_a_segment_of_its_own()
    {
        var storage = new FaultyStorage();
        await using (var wal = TestWal.Open(storage, 0))
        {
            await wal.AppendAsync(100);
        }

        // The checkpoint took commits the log had not synced before a crash. Restarts before
        // anything new is written change nothing.
        var files = storage.FileNames;
        for (var restart = 0; restart < 2; restart++)
        {
            var logger = new FakeLogger();
            await using var wal = TestWal.Open(storage, 150, logger: logger);
            Assert.Empty(wal.Applied);
            Assert.Equal(150, wal.LastLsn);
            Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
            Assert.Equal(files, storage.FileNames);
        }

        await using (var wal = TestWal.Open(storage, 150))
        {
            await wal.AppendAsync(10);
            await wal.Writer.ReleaseThroughAsync(150, Ct);
            Assert.Equal(151, Assert.Single(Segments(storage)).First);
        }

        storage.PowerLoss();
        await using var final = TestWal.Open(storage, 150);
        Assert.Equal(Lsns(151, 160), final.Applied);
    }

    [Fact]
    public async Task Random_damage_to_a_checkpointed_log_of_recycled_segments_never_loses_a_record_before_it()
    {
        var original = new FaultyStorage();
        long checkpoint = 0, last;
        await using (var wal = TestWal.Open(original, 0, Options(poolSize: 4)))
        {
            for (var round = 0; round < 40; round++)
            {
                await wal.AppendAsync(100);
                checkpoint = wal.LastLsn - 300;
                await wal.Writer.ReleaseThroughAsync(checkpoint, Ct);
            }

            last = wal.LastLsn;
        }

        var segments = Segments(original).Select(s => s.Path).ToList();
        Assert.True(segments.Count >= 2, $"only {segments.Count} segments");
        Assert.All(segments, path => Assert.True(WalFormat.IsRecycled(original.ReadFile(path)), path));
        var records = segments.Select(path => RecordsOf(original.ReadFile(path))).ToList();
        var seed = SeedOr(4321);
        var random = new Random(seed);
        var outcomes = new Dictionary<string, int>();
        for (var iteration = 0; iteration < 200; iteration++)
        {
            var damaged = original.CloneDurable();
            var s = random.Next(segments.Count);
            var bytes = damaged.ReadFile(segments[s]);
            var dataEnd = records[s].LastOrDefault((0, WalFormat.SegmentHeaderSize)).End;

            // Mostly records; sometimes what follows them, the end mark and the old records.
            (bytes, var offset, var kind) = SegmentDamage.Inflict(random, bytes, dataEnd, maxFlips: 1);

            damaged.ReplaceFile(segments[s], bytes);
            var intact = records.Take(s).Sum(r => r.Count(x => x.Lsn > checkpoint)) + records[s].Count(x => x.Lsn > checkpoint && x.End <= offset);
            var context = $"seed {seed}, iteration {iteration}: damage kind {kind} at {segments[s]}:{offset} (records end at {dataEnd}), {intact} records intact before it";
            try
            {
                await using var wal = TestWal.Open(damaged, checkpoint, Options(poolSize: 4));
                Assert.True(wal.Applied.Count >= intact, $"{context}: only {wal.Applied.Count} recovered");
                Assert.True(wal.Applied.SequenceEqual(Lsns(checkpoint + 1, checkpoint + wal.Applied.Count)), $"{context}: not a prefix of the log after the checkpoint");
                var outcome = wal.Applied.Count == last - checkpoint ? "all" : "prefix";
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
            catch (CorruptionException e)
            {
                Assert.Contains(Dir, e.FilePath, StringComparison.Ordinal);
                outcomes["corruption"] = outcomes.GetValueOrDefault("corruption") + 1;
            }
        }

        Assert.True(outcomes.Count == 3, string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
    }

    [Fact]
    public async Task A_release_on_a_failed_log_fails_with_its_failure()
    {
        var storage = new FaultyStorage();
        await using var wal = TestWal.Open(storage, 0);
        await wal.AppendAsync(10);
        storage.FailWrites = true;
        await Assert.ThrowsAsync<FluxMapIOException>(() => wal.AppendAsync(1));

        var error = await Assert.ThrowsAsync<FluxMapIOException>(() => wal.Writer.ReleaseThroughAsync(5, Ct));
        Assert.Contains("no longer accepts commits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WalPoolSize_below_two_is_refused()
    {
        Assert.Equal(8, new FluxMapOptions().WalPoolSize);
        var options = new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = Dir, WalPoolSize = 1 };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            async () => await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithStorage(new FaultyStorage()).OpenAsync(Ct));

        Assert.Contains("WalPoolSize must be at least 2 (was 1)", error.Message, StringComparison.Ordinal);
    }

    // The LSN and end offset of each record of a segment's chain.
    private static List<(long Lsn, int End)> RecordsOf(byte[] segment)
    {
        var found = new List<(long Lsn, int End)>();
        for (var offset = WalFormat.SegmentHeaderSize; WalFormat.TryReadRecord(segment, offset, 1, out var record); offset = record.End)
        {
            found.Add((record.Lsn, record.End));
        }

        return found;
    }

    // Valid records after a segment's chain that are older than its first record: its previous life.
    private static List<long> OldRecords(byte[] segment, long firstLsn)
    {
        var found = new List<long>();
        for (var offset = WalFormat.SegmentHeaderSize; offset < segment.Length; offset++)
        {
            if (WalFormat.TryReadRecord(segment, offset, 1, out var record) && record.Lsn < firstLsn)
            {
                found.Add(record.Lsn);
            }
        }

        return found;
    }

    /// <summary>A log opened the way the engine opens it: recovery, then a writer on what it left.</summary>
    private sealed class TestWal : IAsyncDisposable
    {
        private readonly EngineCounters _counters = new();
        private readonly FluxMetrics _metrics;

        private TestWal(FaultyStorage storage, long afterLsn, FluxMapOptions options, ILogger logger)
        {
            Recovered = new WalRecovery<string, int>(storage, Dir, options, Codec, logger).Recover(afterLsn, (lsn, key, value, isDelete, expiresAt) =>
            {
                Assert.Equal(Key(lsn), key);
                Applied.Add(lsn);
            });
            LastLsn = Recovered.LastLsn;
            _metrics = new FluxMetrics(null, "checkpoint-tests", _counters, () => null);
            Writer = new WalWriter<string, int>(storage, Dir, options, Recovered, _ => { }, subscriber: null, TimeProvider.System, logger, _counters, _metrics);
        }

        internal List<long> Applied { get; } = [];

        internal WalRecoveryResult Recovered { get; }

        internal WalWriter<string, int> Writer { get; }

        internal long LastLsn { get; private set; }

        internal static TestWal Open(FaultyStorage storage, long afterLsn, FluxMapOptions? options = null, ILogger? logger = null) =>
            new(storage, afterLsn, options ?? Options(), logger ?? NullLogger.Instance);

        /// <summary>Appends commits with the next LSNs as one group and waits until all are durable.</summary>
        internal async Task AppendAsync(int count)
        {
            var pending = new List<Task>();
            for (var i = 0; i < count; i++)
            {
                LastLsn++;
                var payload = Codec.EncodeSingle(Key(LastLsn), (int)LastLsn, isDelete: false, expiresAt: 0);
                pending.Add(Writer.Append(CommitRecord<string, int>.ForSingle(LastLsn, payload, Key(LastLsn))).AsTask());
            }

            await Task.WhenAll(pending);
        }

        public async ValueTask DisposeAsync()
        {
            await Writer.DisposeAsync();
            _metrics.Dispose();
        }
    }
}

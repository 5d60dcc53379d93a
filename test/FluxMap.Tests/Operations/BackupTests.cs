using FluxMap.CrashWorker;
using FluxMap.DataFile;
using FluxMap.Operations;
using Microsoft.Extensions.Time.Testing;

namespace FluxMap.Tests.Operations;

public sealed class BackupTests
{
    private static FluxMapOptions Durable(string directory, DurabilityMode mode = DurabilityMode.Relaxed) =>
        new() { Durability = mode, DataDirectory = directory, RetryBaseDelay = TimeSpan.Zero };

    [Theory]
    [InlineData(DurabilityMode.Relaxed, 0L)]
    [InlineData(DurabilityMode.Full, 4096L)]
    public async Task A_copy_opens_with_every_key_its_value_and_its_time_to_live(DurabilityMode mode, long memoryLimit)
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = Durable(source.Path, mode);
        options.MemoryLimit = memoryLimit;
        var keys = OddEntries();
        await using (var db = await FluxDatabase.CreateBuilder<string, string>().WithOptions(options).WithTimeProvider(clock).OpenAsync(Fixture.Ct))
        {
            var handle = db.CreateHandle();
            foreach (var (key, value) in keys)
            {
                await handle.InsertAsync(key, value, Fixture.Ct);
            }

            await handle.InsertAsync("ttl:short", "gone", TimeSpan.FromMinutes(1), Fixture.Ct);
            await handle.InsertAsync("ttl:long", "kept", TimeSpan.FromHours(1), Fixture.Ct);
            await handle.RemoveAsync(keys[0].Key, Fixture.Ct);
            await db.CheckpointAsync(Fixture.Ct);
            clock.Advance(TimeSpan.FromMinutes(2));

            var copy = Path.Combine(target.Path, "copy");
            var result = await db.BackupAsync(copy, cancellationToken: Fixture.Ct);
            Assert.Equal(keys.Length, result.Keys);
            Assert.Equal(Path.GetFullPath(copy), result.Destination);
            Assert.Equal(db.Engine.Clock.LastCommit, result.SnapshotTimestamp);
        }

        await using var restored = await FluxDatabase.CreateBuilder<string, string>().WithOptions(Durable(Path.Combine(target.Path, "copy"), mode))
            .WithTimeProvider(clock).OpenAsync(Fixture.Ct);
        var copied = restored.CreateHandle();
        var expected = keys.Skip(1).Append((Key: "ttl:long", Value: "kept")).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, (await copied.ScanAsync(KeyRange<string>.All, cancellationToken: Fixture.Ct).ToListAsync()).Select(p => (p.Key, p.Value)));
        Assert.Equal(TimeSpan.FromMinutes(58), (await copied.GetTimeToLiveAsync("ttl:long", Fixture.Ct)).Value);
        Assert.False(Directory.Exists(Path.Combine(target.Path, "copy", SnapshotBackup.StagingName)));
    }

    [Fact]
    public async Task An_in_memory_database_is_backed_up_into_a_durable_copy()
    {
        using var target = new TempDirectory();
        await using (var db = await FluxDatabase.OpenAsync<string, string>(cancellationToken: Fixture.Ct))
        {
            var handle = db.CreateHandle();
            foreach (var (key, value) in OddEntries())
            {
                await handle.InsertAsync(key, value, Fixture.Ct);
            }

            await db.BackupAsync(target.Path, cancellationToken: Fixture.Ct);
        }

        await using var restored = await FluxDatabase.OpenAsync<string, string>(Durable(target.Path, DurabilityMode.Full), Fixture.Ct);
        Assert.Equal(
            OddEntries().OrderBy(k => k.Key, StringComparer.Ordinal),
            (await restored.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Fixture.Ct).ToListAsync()).Select(p => (p.Key, p.Value)));
    }

    [Fact]
    public async Task The_copy_equals_the_snapshot_it_names_while_writers_commit()
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        var history = new CommitHistory();
        await using var db = await FluxDatabase.OpenAsync<string, long>(Durable(source.Path), Fixture.Ct);
        var handle = db.CreateHandle();
        await history.SeedAsync(handle, filler: 20_000);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => history.WriteAsync(handle, w, stop.Token))).ToArray();

        // Holds the backup after its first batch until the writers committed more: they run while its snapshot is read.
        var progress = new WaitingProgress(history, more: 200);
        var result = await db.BackupAsync(target.Path, progress, Fixture.Ct);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.True(history.HasCommitsAfter(result.SnapshotTimestamp));
        var expected = history.StateAt(result.SnapshotTimestamp);
        Assert.Equal(expected.Count, result.Keys);
        await using var restored = await FluxDatabase.OpenAsync<string, long>(Durable(Path.Combine(target.Path)), Fixture.Ct);
        var copied = await restored.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Fixture.Ct).ToListAsync();
        Assert.Equal(expected, copied);
        Assert.True(progress.Reports > 1);
    }

    [Fact]
    public async Task A_copy_taken_under_the_crash_workload_reopens_cleanly()
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        var history = new CommitHistory();

        // The crash workers' settings (tiny write-behind batches, checkpoints every few
        // milliseconds, compaction, a log of two small recycled segments) and a memory limit, so
        // the backup also reads values paged out to a data file that keeps changing under it.
        var options = CrashModel.Options(source.Path, DurabilityMode.Relaxed);
        options.MemoryLimit = 64 * 1024;
        options.RetryBaseDelay = TimeSpan.Zero;
        await using var db = await FluxDatabase.OpenAsync<string, long>(options, Fixture.Ct);
        var handle = db.CreateHandle();
        await history.SeedAsync(handle, filler: 5_000);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() => history.WriteAsync(handle, w, stop.Token))).ToArray();
        var results = new List<BackupResult>();
        for (var i = 0; i < 3; i++)
        {
            var progress = new WaitingProgress(history, more: 50);
            results.Add(await db.BackupAsync(Path.Combine(target.Path, $"copy{i}"), progress, Fixture.Ct));
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(db.GetStatistics().Checkpoints > 0);
        foreach (var result in results)
        {
            await using var restored = await FluxDatabase.OpenAsync<string, long>(CrashModel.Options(result.Destination, DurabilityMode.Relaxed), Fixture.Ct);
            var copied = await restored.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Fixture.Ct).ToListAsync();
            Assert.Equal(history.StateAt(result.SnapshotTimestamp), copied);
            Assert.Equal(CrashModel.Accounts * CrashModel.InitialBalance, copied.Where(p => p.Key.StartsWith("acct:", StringComparison.Ordinal)).Sum(p => p.Value));
        }
    }

    [Fact]
    public async Task A_destination_that_is_a_file_or_not_empty_is_refused_and_left_alone()
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        await using var db = await FluxDatabase.OpenAsync<string, long>(Durable(source.Path), Fixture.Ct);
        await db.CreateHandle().InsertAsync("k", 1, Fixture.Ct);
        File.WriteAllText(Path.Combine(target.Path, "notes.txt"), "mine");
        var before = target.Snapshot();

        var notEmpty = await Assert.ThrowsAsync<IOException>(() => db.BackupAsync(target.Path, cancellationToken: Fixture.Ct));
        Assert.Contains("notes.txt", notEmpty.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<IOException>(() => db.BackupAsync(Path.Combine(target.Path, "notes.txt"), cancellationToken: Fixture.Ct));
        Assert.Equal(before, target.Snapshot());
    }

    [Fact]
    public async Task A_cancelled_backup_leaves_no_copy_behind()
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        await using var db = await FluxDatabase.OpenAsync<string, long>(Durable(source.Path), Fixture.Ct);
        await new CommitHistory().SeedAsync(db.CreateHandle(), filler: 5_000);
        using var cancel = new CancellationTokenSource();
        var fresh = Path.Combine(target.Path, "new");
        var empty = Path.Combine(target.Path, "empty");
        Directory.CreateDirectory(empty);

        foreach (var destination in new[] { fresh, empty })
        {
            using var stop = new CancellationTokenSource();
            var progress = new CallbackProgress(_ => stop.Cancel());
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.BackupAsync(destination, progress, stop.Token));
        }

        Assert.False(Directory.Exists(fresh));
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    [Fact]
    public async Task A_staging_folder_left_by_a_backup_that_died_holds_no_database_file_and_is_replaced()
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        var staging = Directory.CreateDirectory(Path.Combine(target.Path, SnapshotBackup.StagingName)).FullName;
        File.WriteAllText(Path.Combine(staging, DataFileFormat.FileName), "half a copy");

        // An open looks for its files in the directory itself: none is there until a backup completes.
        Assert.Empty(Directory.EnumerateFiles(target.Path));

        await using var db = await FluxDatabase.OpenAsync<string, long>(Durable(source.Path), Fixture.Ct);
        await db.CreateHandle().InsertAsync("k", 1, Fixture.Ct);
        await db.BackupAsync(target.Path, cancellationToken: Fixture.Ct);
        await using var restored = await FluxDatabase.OpenAsync<string, long>(Durable(target.Path), Fixture.Ct);
        Assert.Equal(1, (await restored.CreateHandle().GetAsync("k", Fixture.Ct)).Value);
    }

    [Fact]
    public async Task A_directory_with_a_data_file_is_refused_without_UseDataFile()
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        await using (var db = await FluxDatabase.OpenAsync<string, long>(Durable(source.Path), Fixture.Ct))
        {
            await db.CreateHandle().InsertAsync("k", 1, Fixture.Ct);
            await db.BackupAsync(target.Path, cancellationToken: Fixture.Ct);
        }

        var options = Durable(target.Path);
        options.UseDataFile = false;
        var before = target.Snapshot();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await FluxDatabase.OpenAsync<string, long>(options, Fixture.Ct));
        Assert.Contains("UseDataFile", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, target.Snapshot());
    }

    /// <summary>Keys and values that are easy to get wrong: empty, non-ASCII, astral, control characters, long.</summary>
    internal static (string Key, string Value)[] OddEntries() =>
    [
        ("", "empty key"),
        ("a", ""),
        ("ключ", "значение"),
        ("emoji:😀", "𝄞 clef"),
        ("tab\tnew\nline", "quote \" backslash \\ nul \0"),
        ("z", new string('x', 10_000)),
    ];

    /// <summary>On the first report, waits until the writers made <paramref name="more"/> further commits.</summary>
    private sealed class WaitingProgress(CommitHistory history, int more) : IProgress<BackupProgress>
    {
        internal int Reports { get; private set; }

        public void Report(BackupProgress value)
        {
            if (Reports++ == 0)
            {
                history.WhenMoreCommits(more).Wait(Fixture.Ct);
            }
        }
    }

    private sealed class CallbackProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }
}

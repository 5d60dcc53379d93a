using System.Diagnostics;

namespace FluxMap.Tool.Tests;

/// <summary>
/// info, verify, dump and export look at a directory without changing it: no lock file, no log
/// segment, no repair of a torn tail, no checkpoint. Each runs as a process and every file is
/// hashed before and after.
/// </summary>
public sealed class ReadOnlyInspectionTests
{
    private static readonly string[] Inspections = ["info", "verify", "dump", "export"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_closed_database_is_shown_and_left_byte_for_byte_as_it_was()
    {
        using var temp = new TempDirectory();
        var db = temp.Sub("db");
        await SampleDatabase.CreateAsync(db, 20);

        var runs = await InspectAsync(db);

        Assert.All(runs.Values, run => Assert.Equal(0, run.ExitCode));
        Assert.Matches(@"keys\s*│\s*21", runs["info"].Output);
        Assert.Contains("ok: 21 keys", runs["verify"].Output, StringComparison.Ordinal);
        Assert.Contains("{\"Name\":\"Ada 20\",\"Born\":1835}", runs["dump"].Output, StringComparison.Ordinal);
        Assert.Equal(21, Lines(runs["export"].Output).Length);
    }

    [Fact]
    public async Task A_log_tail_after_the_checkpoint_is_replayed_in_memory_and_its_torn_record_left_on_disk()
    {
        using var temp = new TempDirectory();
        var live = temp.Sub("live");
        var options = new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = live, CheckpointInterval = TimeSpan.FromHours(1) };
        await using (var first = await FluxDatabase.OpenAsync<string, int>(options, Ct))
        {
            for (var i = 0; i < 5; i++)
            {
                await first.CreateHandle().InsertAsync($"before:{i}", i, Ct);
            }
        }

        // Commits after the checkpoint of the close, synced to the log only: the files a crash
        // would leave, copied while the database is open (without its lock file, as copied files come).
        var copy = temp.Sub("copy");
        await using (var second = await FluxDatabase.OpenAsync<string, int>(options, Ct))
        {
            for (var i = 0; i < 5; i++)
            {
                await second.CreateHandle().InsertAsync($"after:{i}", i, Ct);
            }

            await second.FlushAsync(Ct);
            Directory.CreateDirectory(copy);
            foreach (var file in Directory.EnumerateFiles(live).Where(f => Path.GetFileName(f) != "fluxmap.lock"))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
        }

        // Tear the last record, as a crash in the middle of writing it would.
        var segment = Directory.EnumerateFiles(copy, "wal-*.log").Order(StringComparer.Ordinal).Last();
        var bytes = await File.ReadAllBytesAsync(segment, Ct);
        Array.Clear(bytes, Array.FindLastIndex(bytes, b => b != 0) - 2, 3);
        await File.WriteAllBytesAsync(segment, bytes, Ct);

        var runs = await InspectAsync(copy);

        Assert.All(runs.Values, run => Assert.Equal(0, run.ExitCode));
        Assert.Contains("ok: 9 keys", runs["verify"].Output, StringComparison.Ordinal);
        Assert.Contains("\"after:3\"", runs["dump"].Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"after:4\"", runs["dump"].Output, StringComparison.Ordinal);
        Assert.Contains("9 of 9 keys", runs["dump"].Output, StringComparison.Ordinal);
        await AssertRecoveryKeepsWhatWasShownAsync(copy, runs["export"].Output, temp.Sub("backup"));
    }

    [Fact]
    public async Task A_directory_killed_mid_write_is_shown_as_recovery_will_find_it_and_left_as_the_kill_left_it()
    {
        using var temp = new TempDirectory();
        var db = temp.Sub("db");
        await KillMidWriteAsync(db, commits: 200);

        var runs = await InspectAsync(db);

        Assert.All(runs.Values, run => Assert.True(run.ExitCode == 0, run.Error));
        Assert.Contains("\"acct:00\"", runs["export"].Output, StringComparison.Ordinal);
        await AssertRecoveryKeepsWhatWasShownAsync(db, runs["export"].Output, temp.Sub("backup"));
    }

    [Fact]
    public async Task An_empty_directory_and_foreign_ones_are_refused_and_left_as_they_were()
    {
        using var temp = new TempDirectory();
        var empty = temp.Sub("empty");
        Directory.CreateDirectory(empty);
        var unrelated = temp.Sub("unrelated");
        Directory.CreateDirectory(Path.Combine(unrelated, "photos"));
        await File.WriteAllTextAsync(Path.Combine(unrelated, "notes.txt"), "nothing of FluxMap's", Ct);
        var impostor = temp.Sub("impostor");
        Directory.CreateDirectory(impostor);
        await File.WriteAllTextAsync(Path.Combine(impostor, "fluxmap.data"), "text that happens to have the data file's name", Ct);
        await File.WriteAllBytesAsync(Path.Combine(impostor, "wal-0000000001.log"), [.. Enumerable.Range(0, 300).Select(i => (byte)i)], Ct);

        foreach (var directory in new[] { empty, unrelated, impostor })
        {
            var runs = await InspectAsync(directory);
            Assert.All(runs.Values, run => Assert.True(run.ExitCode != 0, $"{directory}: {run.Output}{run.Error}"));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    // Runs every inspecting command on the directory and checks after each that no entry changed.
    private static async Task<Dictionary<string, ToolRun>> InspectAsync(string directory)
    {
        var before = FileSnapshot.Of(directory);
        var runs = new Dictionary<string, ToolRun>();
        foreach (var command in Inspections)
        {
            runs[command] = await ToolProcess.RunAsync(command, directory);
            var after = FileSnapshot.Of(directory);
            Assert.True(
                before.SequenceEqual(after),
                $"`fluxmap {command}` changed '{directory}'.\nbefore:\n{string.Join('\n', before.Except(after))}\nafter:\n{string.Join('\n', after.Except(before))}");
        }

        return runs;
    }

    // What the inspection showed is what a writing open recovers: backup opens the directory as
    // an application does (cutting off a torn tail, checkpointing at close), then export reads it again.
    private static async Task AssertRecoveryKeepsWhatWasShownAsync(string directory, string shown, string backup)
    {
        Assert.Equal(0, (await ToolProcess.RunAsync("backup", directory, backup)).ExitCode);
        var recovered = await ToolProcess.RunAsync("export", directory);
        Assert.Equal(0, recovered.ExitCode);
        Assert.Equal(Lines(recovered.Output), Lines(shown));
    }

    // The crash tests' worker: bank transfers from eight writers in Full durability, a checkpoint
    // every few milliseconds and a log of small recycled segments; killed (SIGKILL) once it
    // acknowledged `commits` transfers.
    private static async Task KillMidWriteAsync(string directory, int commits)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FluxMap.CrashWorker.dll"), directory, "full"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            for (var acknowledged = 0; acknowledged < commits;)
            {
                var line = await process.StandardOutput.ReadLineAsync(Ct)
                    ?? throw new InvalidOperationException($"The worker exited early: {await process.StandardError.ReadToEndAsync(Ct)}");
                acknowledged += line.StartsWith("ack ", StringComparison.Ordinal) ? 1 : 0;
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

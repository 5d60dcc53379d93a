using System.Text;

namespace FluxMap.Tool.Tests;

public sealed class FluxMapToolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Info_shows_format_checkpoint_segments_sizes_and_key_count()
    {
        using var temp = new TempDirectory();
        var db = temp.Sub("db");
        await SampleDatabase.CreateAsync(db, 3);

        var run = await ToolProcess.RunAsync("info", db);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("data file v1, log v1", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"checkpoint LSN\s*│\s*[1-9]", run.Output);
        Assert.Matches(@"log segments\s*│\s*1", run.Output);
        Assert.Matches(@"keys\s*│\s*4", run.Output);
    }

    [Fact]
    public async Task Verify_passes_a_sound_database_and_names_the_file_and_offset_of_a_flipped_byte()
    {
        using var temp = new TempDirectory();
        var db = temp.Sub("db");
        await SampleDatabase.CreateAsync(db, 50);
        var sound = await ToolProcess.RunAsync("verify", db);
        Assert.Equal(0, sound.ExitCode);
        Assert.Contains("ok: 51 keys", sound.Output, StringComparison.Ordinal);

        // The first extent starts right after the two header blocks; flip a byte inside its records.
        var data = Path.Combine(db, "fluxmap.data");
        var bytes = File.ReadAllBytes(data);
        bytes[(2 * 4096) + 100] ^= 0x40;
        File.WriteAllBytes(data, bytes);

        var damaged = await ToolProcess.RunAsync("verify", db);
        Assert.Equal(2, damaged.ExitCode);
        Assert.Matches($@"damaged: {System.Text.RegularExpressions.Regex.Escape(data)} at offset \d+", damaged.Error);
    }

    [Fact]
    public async Task A_missing_directory_an_empty_one_and_a_foreign_file_are_refused()
    {
        using var temp = new TempDirectory();
        var missing = await ToolProcess.RunAsync("dump", temp.Sub("nowhere"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("There is no directory", missing.Error, StringComparison.Ordinal);

        var empty = await ToolProcess.RunAsync("info", temp.Path);
        Assert.Equal(1, empty.ExitCode);
        Assert.Contains("holds no FluxMap database", empty.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));

        var foreign = temp.Sub("foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "fluxmap.data"), "not a database, just text that happens to have the name");
        var run = await ToolProcess.RunAsync("verify", foreign);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(Path.Combine(foreign, "fluxmap.data"), run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_another_open_database_holds_is_not_opened_and_info_reads_only_headers()
    {
        using var temp = new TempDirectory();
        var path = temp.Sub("db");
        await SampleDatabase.CreateAsync(path, 3);
        await using var held = await FluxDatabase.OpenAsync<string, Person>(SampleDatabase.Options(path), Ct);

        var dump = await ToolProcess.RunAsync("dump", path);
        Assert.Equal(1, dump.ExitCode);
        Assert.Contains("already in use", dump.Error, StringComparison.Ordinal);
        var info = await ToolProcess.RunAsync("info", path);
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("another process holds the directory", info.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_shows_values_as_json_without_the_applications_types()
    {
        using var temp = new TempDirectory();
        var db = temp.Sub("db");
        await SampleDatabase.CreateAsync(db, 3);

        var run = await ToolProcess.RunAsync("dump", db, "--prefix", "person:");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\"person:1\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("{\"Name\":\"Ada 1\",\"Born\":1816}", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"config\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("3 of 4 keys", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_refuses_a_reversed_range_a_prefix_with_bounds_and_a_negative_limit_without_a_stack_trace()
    {
        using var temp = new TempDirectory();
        var db = temp.Sub("db");
        await SampleDatabase.CreateAsync(db, 3);

        var reversed = await ToolProcess.RunAsync("dump", db, "--from", "z", "--to", "a");
        Assert.Equal(1, reversed.ExitCode);
        Assert.Contains("comes after --to", reversed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", reversed.Error, StringComparison.Ordinal);

        var both = await ToolProcess.RunAsync("export", db, "--prefix", "person:", "--from", "a");
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("either --prefix or --from/--to", both.Error, StringComparison.Ordinal);

        var negative = await ToolProcess.RunAsync("dump", db, "--limit", "-1");
        Assert.NotEqual(0, negative.ExitCode);
        Assert.Contains("--limit must be 0 or more", negative.Output + negative.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_and_import_through_the_tool_round_trip_values_and_deadlines()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("db");
        await SampleDatabase.CreateAsync(source, 20);
        var file = temp.Sub("db.jsonl");
        Assert.Equal(0, (await ToolProcess.RunAsync("export", source, "-o", file)).ExitCode);
        Assert.Contains("\"expiresAt\":", File.ReadAllText(file), StringComparison.Ordinal);

        var target = temp.Sub("copy");
        var import = await ToolProcess.RunAsync("import", target, "-i", file);
        Assert.Equal(0, import.ExitCode);
        Assert.Contains("imported 21 keys from 21 lines", import.Output, StringComparison.Ordinal);
        Assert.Equal(await ContentsAsync(source), await ContentsAsync(target));
    }

    [Fact]
    public async Task Import_names_a_bad_line_and_what_was_imported()
    {
        using var temp = new TempDirectory();
        var lines = "{\"key\":\"a\",\"value\":{\"Name\":\"A\",\"Born\":1}}\n{\"key\":\"b\",\"value\":\n";
        var run = await ToolProcess.RunWithInputAsync(lines, "import", temp.Sub("db"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Line 2 of the import is not valid", run.Error, StringComparison.Ordinal);
        Assert.Contains("Nothing was imported.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_writes_a_copy_the_application_opens()
    {
        using var temp = new TempDirectory();
        var source = temp.Sub("db");
        await SampleDatabase.CreateAsync(source, 20);
        var run = await ToolProcess.RunAsync("backup", source, temp.Sub("backup"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("backed up 21 keys", run.Output, StringComparison.Ordinal);
        Assert.Equal(await ContentsAsync(source), await ContentsAsync(temp.Sub("backup")));

        var again = await ToolProcess.RunAsync("backup", source, temp.Sub("backup"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not empty", again.Error, StringComparison.Ordinal);
    }

    private static async Task<string> ContentsAsync(string directory)
    {
        await using var db = await FluxDatabase.OpenAsync<string, Person>(SampleDatabase.Options(directory), Ct);
        var text = new StringBuilder();
        var handle = db.CreateHandle();
        await foreach (var (key, value) in handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct))
        {
            var ttl = (await handle.GetTimeToLiveAsync(key, Ct)).Value;
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{key}={value.Name}/{value.Born} ttl={(ttl is null ? "none" : Math.Round(ttl.Value.TotalHours))}\n");
        }

        return text.ToString();
    }
}

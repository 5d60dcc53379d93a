using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace FluxMap.Tests.Operations;

public sealed class JsonLinesTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Odd_keys_values_and_time_to_live_round_trip()
    {
        await using var source = await OpenAsync<string, string>();
        var handle = source.CreateHandle();
        foreach (var (key, value) in BackupTests.OddEntries())
        {
            await handle.InsertAsync(key, value, Fixture.Ct);
        }

        await handle.InsertAsync("ttl", "soon", TimeSpan.FromMinutes(30), Fixture.Ct);
        var text = await ExportAsync(source);
        Assert.Contains("\"expiresAt\":\"2030-01-01T00:30:00+00:00\"", text, StringComparison.Ordinal);
        Assert.Contains("\"ключ\"", text, StringComparison.Ordinal);
        Assert.Equal(BackupTests.OddEntries().Length + 1, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        _clock.Advance(TimeSpan.FromMinutes(10));
        await using var target = await OpenAsync<string, string>();
        var result = await target.ImportJsonLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), cancellationToken: Fixture.Ct);
        Assert.Equal(BackupTests.OddEntries().Length + 1, result.Imported);
        Assert.Equal(await ScanAsync(source), await ScanAsync(target));
        Assert.Equal(TimeSpan.FromMinutes(20), (await target.CreateHandle().GetTimeToLiveAsync("ttl", Fixture.Ct)).Value);
    }

    [Fact]
    public async Task Byte_array_keys_and_values_round_trip_as_base64()
    {
        await using var source = await OpenAsync<byte[], byte[]>();
        var handle = source.CreateHandle();
        byte[][] keys = [[], [0], [0, 0xFF], [0xFF, 0xFE, 0x0A]];
        foreach (var key in keys)
        {
            await handle.InsertAsync(key, [.. key, 0x00, 0x80], Fixture.Ct);
        }

        var text = await ExportAsync(source);
        await using var target = await OpenAsync<byte[], byte[]>();
        await target.ImportJsonLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), cancellationToken: Fixture.Ct);
        Assert.Equal(
            (await ScanAsync(source)).Select(p => (Convert.ToHexString(p.Key), Convert.ToHexString(p.Value))),
            (await ScanAsync(target)).Select(p => (Convert.ToHexString(p.Key), Convert.ToHexString(p.Value))));
    }

    [Fact]
    public async Task A_range_or_a_prefix_exports_only_its_keys()
    {
        await using var db = await OpenAsync<string, int>();
        var handle = db.CreateHandle();
        foreach (var key in new[] { "a", "user:1", "user:2", "users", "v" })
        {
            await handle.InsertAsync(key, key.Length, Fixture.Ct);
        }

        using var prefix = new MemoryStream();
        Assert.Equal(2, await db.ExportJsonLinesWithPrefixAsync(prefix, "user:", cancellationToken: Fixture.Ct));
        Assert.Equal("{\"key\":\"user:1\",\"value\":6}\n{\"key\":\"user:2\",\"value\":6}\n", Encoding.UTF8.GetString(prefix.ToArray()));
        using var range = new MemoryStream();
        Assert.Equal(3, await db.ExportJsonLinesAsync(range, KeyRange<string>.Between("b", "users"), cancellationToken: Fixture.Ct));
    }

    [Fact]
    public async Task Export_with_the_old_value_type_and_import_with_the_new_one_migrates()
    {
        await using var old = await OpenAsync<string, PersonV1>();
        await old.CreateHandle().InsertAsync("ada", new PersonV1 { Name = "Ada", Born = 1815 }, Fixture.Ct);
        var text = await ExportAsync(old);

        await using var migrated = await OpenAsync<string, PersonV2>();
        await migrated.ImportJsonLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), cancellationToken: Fixture.Ct);
        var ada = (await migrated.CreateHandle().GetAsync("ada", Fixture.Ct)).Value;
        Assert.Equal(("Ada", 1815, (string?)null), (ada.Name, ada.Born, ada.Email));
    }

    [Theory]
    [InlineData("{\"key\":\"c\",\"value\":", "is not valid")]
    [InlineData("[1,2]", "is a JSON Array")]
    [InlineData("{\"key\":\"c\"}", "has no \"value\"")]
    [InlineData("{\"value\":3}", "has no \"key\"")]
    [InlineData("{\"key\":\"c\",\"value\":\"three\"}", "is not valid")]
    [InlineData("{\"key\":\"c\",\"value\":3,\"ttl\":5}", "has a member \"ttl\"")]
    [InlineData("{\"key\":\"c\",\"value\":3,\"expiresAt\":\"tomorrow\"}", "is not valid")]
    public async Task A_bad_line_is_named_and_nothing_of_its_batch_is_imported(string bad, string why)
    {
        await using var db = await OpenAsync<string, int>();
        var lines = $"{{\"key\":\"a\",\"value\":1}}\n\n{bad}\n{{\"key\":\"b\",\"value\":2}}\n";
        var failure = await Assert.ThrowsAsync<JsonLinesImportException>(
            () => db.ImportJsonLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes(lines)), cancellationToken: Fixture.Ct));
        Assert.Equal(3, failure.LineNumber);
        Assert.Equal(0, failure.LinesImported);
        Assert.StartsWith("Line 3 of the import " + why, failure.Message, StringComparison.Ordinal);
        Assert.EndsWith("Nothing was imported.", failure.Message, StringComparison.Ordinal);

        // Said in the line's own terms: not System.Text.Json's line count within the one line, no doubled period.
        Assert.DoesNotContain("LineNumber", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("..", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, db.GetStatistics().Count);
    }

    [Fact]
    public async Task An_import_that_fails_midway_says_which_lines_it_committed()
    {
        await using var db = await OpenAsync<string, int>();
        var text = new StringBuilder();
        for (var i = 1; i <= 2_500; i++)
        {
            text.Append(i == 2_345 ? "not json" : $"{{\"key\":\"k{i:D5}\",\"value\":{i}}}").Append('\n');
        }

        var failure = await Assert.ThrowsAsync<JsonLinesImportException>(
            () => db.ImportJsonLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), cancellationToken: Fixture.Ct));
        Assert.Equal((2_345L, 2_000L, 2_000L), (failure.LineNumber, failure.LinesImported, failure.KeysImported));
        Assert.Contains("Lines 1 to 2000 were imported (2000 keys); nothing after them was.", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2_000, db.GetStatistics().Count);
        Assert.True((await db.CreateHandle().GetAsync("k02000", Fixture.Ct)).HasValue);
        Assert.False((await db.CreateHandle().GetAsync("k02001", Fixture.Ct)).HasValue);
    }

    [Fact]
    public async Task Lines_whose_deadline_passed_are_left_out_and_counted()
    {
        await using var db = await OpenAsync<string, int>();
        const string text = "{\"key\":\"past\",\"value\":1,\"expiresAt\":\"2029-12-31T23:59:59Z\"}\n{\"key\":\"now\",\"value\":2,\"expiresAt\":null}\n";
        var result = await db.ImportJsonLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), cancellationToken: Fixture.Ct);
        Assert.Equal((2L, 1L, 1L), (result.Lines, result.Imported, result.Expired));
        Assert.Equal(["now"], (await ScanAsync(db)).Select(p => p.Key));
    }

    private ValueTask<FluxDatabase<TKey, TValue>> OpenAsync<TKey, TValue>()
        where TKey : notnull =>
        FluxDatabase.CreateBuilder<TKey, TValue>().WithTimeProvider(_clock).OpenAsync(Fixture.Ct);

    private static async Task<string> ExportAsync<TKey, TValue>(FluxDatabase<TKey, TValue> db)
        where TKey : notnull
    {
        using var stream = new MemoryStream();
        await db.ExportJsonLinesAsync(stream, cancellationToken: Fixture.Ct);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Task<List<KeyValuePair<TKey, TValue>>> ScanAsync<TKey, TValue>(FluxDatabase<TKey, TValue> db)
        where TKey : notnull =>
        db.CreateHandle().ScanAsync(KeyRange<TKey>.All, cancellationToken: Fixture.Ct).ToListAsync();

    public sealed class PersonV1
    {
        public string Name { get; set; } = "";

        public int Born { get; set; }
    }

    public sealed class PersonV2
    {
        public string Name { get; set; } = "";

        public int Born { get; set; }

        public string? Email { get; set; }
    }
}

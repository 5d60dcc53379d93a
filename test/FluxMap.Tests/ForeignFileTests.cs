using System.Buffers.Binary;
using FluxMap.DataFile;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// Open refuses a file under one of the database's names that FluxMap did not write, or of a newer
/// format, with a <see cref="CorruptionException"/> naming it; a failed open leaves the directory
/// exactly as it found it and releases it.
/// </summary>
public sealed class ForeignFileTests : IDisposable
{
    private const int Keys = 10;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private FluxMapOptions Options(bool useDataFile = true) =>
        new() { Durability = DurabilityMode.Full, DataDirectory = _dir.Path, UseDataFile = useDataFile };

    private string PathOf(string name) => Path.Combine(_dir.Path, name);

    [Fact]
    public async Task A_log_segment_of_random_bytes_in_an_empty_directory_is_refused_and_kept()
    {
        await File.WriteAllBytesAsync(PathOf("wal-0000000001.log"), RandomBytes(64 << 10), Ct);

        var error = await AssertRefusedAsync(Options(), "wal-0000000001.log");

        Assert.Contains("is not a FluxMap write-ahead log segment", error.Message, StringComparison.Ordinal);
        Assert.Equal(["wal-0000000001.log"], _dir.Snapshot().Keys);
    }

    [Theory]
    [InlineData("wal-0000000009.log", 64 << 10)]
    [InlineData("wal-pool-0000000009.tmp", 64 << 10)]
    [InlineData(DataFileFormat.FileName, 64 << 10)]
    [InlineData(DataFileFormat.FileName, 5)]
    public async Task A_foreign_file_beside_a_database_is_refused_and_the_database_left_as_it_was(string name, int length)
    {
        await WriteKeysAsync();
        var original = File.Exists(PathOf(name)) ? await File.ReadAllBytesAsync(PathOf(name), Ct) : null;
        await File.WriteAllBytesAsync(PathOf(name), RandomBytes(length), Ct);

        var error = await AssertRefusedAsync(Options(), name);

        Assert.Contains("is not a FluxMap", error.Message, StringComparison.Ordinal);
        if (original is null)
        {
            File.Delete(PathOf(name));
        }
        else
        {
            await File.WriteAllBytesAsync(PathOf(name), original, Ct);
        }

        await AssertKeysAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_file_of_a_newer_format_version_is_refused_naming_it(bool dataFile)
    {
        await WriteKeysAsync();
        var path = dataFile ? PathOf(DataFileFormat.FileName) : _dir.Segments.Last();
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        await File.WriteAllBytesAsync(path, bytes, Ct);

        var error = await AssertRefusedAsync(Options(), Path.GetFileName(path));

        Assert.Equal(8, error.Offset);
        Assert.Contains("has format version 2; this FluxMap reads version 1 only, so a newer FluxMap wrote it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Damage_found_at_open_changes_nothing()
    {
        await WriteKeysAsync(Options(useDataFile: false));
        var segment = _dir.Segments.Single();
        var bytes = await File.ReadAllBytesAsync(segment, Ct);
        bytes[40] ^= 0xFF; // inside the first record, which later records say was synced
        await File.WriteAllBytesAsync(segment, bytes, Ct);

        await AssertRefusedAsync(Options(useDataFile: false), Path.GetFileName(segment));
    }

    [Fact]
    public async Task Files_a_crash_left_before_their_headers_were_written_still_open()
    {
        await WriteKeysAsync();
        var next = _dir.Segments.Count() + 1;
        await File.WriteAllBytesAsync(PathOf($"wal-{next:D10}.log"), new byte[64 << 10], Ct);

        await AssertKeysAsync();

        using var fresh = new TempDirectory();
        await File.WriteAllBytesAsync(Path.Combine(fresh.Path, DataFileFormat.FileName), new byte[DataFileFormat.BlockSize], Ct);
        await using var db = await FluxDatabase.OpenAsync<string, int>(new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = fresh.Path }, Ct);
        await db.CreateHandle().InsertAsync("k", 1, Ct);
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(SeedOr(14)).NextBytes(bytes);
        return bytes;
    }

    private async Task WriteKeysAsync(FluxMapOptions? options = null)
    {
        await using var db = await FluxDatabase.OpenAsync<string, int>(options ?? Options(), Ct);
        for (var i = 0; i < Keys; i++)
        {
            await db.CreateHandle().InsertAsync($"k{i}", i, Ct);
        }
    }

    private async Task AssertKeysAsync()
    {
        await using var db = await FluxDatabase.OpenAsync<string, int>(Options(), Ct);
        var keys = await db.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync();
        Assert.Equal(Enumerable.Range(0, Keys).Select(i => $"k{i}"), keys.Select(p => p.Key));
    }

    // Refused with the file named, nothing in the directory changed, and the directory released:
    // a second open fails the same way instead of finding the directory in use.
    private async Task<CorruptionException> AssertRefusedAsync(FluxMapOptions options, string name)
    {
        var before = _dir.Snapshot();

        var error = await Assert.ThrowsAsync<CorruptionException>(async () => await FluxDatabase.OpenAsync<string, int>(options, Ct));

        Assert.Equal(PathOf(name), error.FilePath);
        Assert.Equal(before, _dir.Snapshot());
        var again = await Assert.ThrowsAsync<CorruptionException>(async () => await FluxDatabase.OpenAsync<string, int>(options, Ct));
        Assert.Equal(error.Message, again.Message);
        return error;
    }
}

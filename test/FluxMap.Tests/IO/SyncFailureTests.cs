using FluxMap.DataFile;
using FluxMap.Durability;
using FluxMap.IO;
using FluxMap.Tests.DataFile;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests.IO;

/// <summary>
/// A sync the operating system fails (EIO) on real files, with only the system call replaced:
/// the database names the error and fails closed for good, since a failed fsync may have dropped
/// the dirty pages it was to write (docs/architecture.md, "Durable syncs").
/// </summary>
public sealed class SyncFailureTests
{
    // Every background round an hour away: the only syncs are the ones the test causes.
    private static FluxMapOptions Options(string directory) => DataFileFixture.Manual(directory, DurabilityMode.Full, shards: 0, maxEntries: 1024);

    private static ValueTask<FluxDatabase<string, string>> OpenAsync(string directory, FailingSyncCalls calls) =>
        FluxDatabase.CreateBuilder<string, string>().WithOptions(Options(directory)).WithStorage(new PhysicalStorage(new FileSync(calls))).OpenAsync(Ct);

    private static async Task AssertHoldsAsync(FluxHandle<string, string> handle, Dictionary<string, string> acknowledged)
    {
        foreach (var (key, value) in acknowledged)
        {
            Assert.Equal(value, (await handle.GetAsync(key, Ct)).Value);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_log_sync_fails_its_commit_naming_the_errno_and_every_later_commit_for_good(bool directorySync)
    {
        using var temp = new TempDirectory();
        var calls = new FailingSyncCalls();
        var acknowledged = new Dictionary<string, string>();
        FluxMapIOException? failed = null;
        int syncsAfterFailure;
        await using (var db = await OpenAsync(temp.Path, calls))
        {
            var handle = db.CreateHandle();
            await handle.InsertAsync("before", "synced", Ct);
            acknowledged["before"] = "synced";
            calls.FailData = !directorySync;
            calls.FailDirectory = directorySync;

            // The log's data sync fails at the next commit; the directory's when a commit fills the
            // segment and the log moves on to a new file.
            for (var i = 0; i < 100 && failed is null; i++)
            {
                var (key, value) = ($"k{i:D3}", new string((char)('a' + (i % 26)), 4096));
                try
                {
                    await handle.InsertAsync(key, value, Ct);
                    acknowledged[key] = value;
                }
                catch (FluxMapIOException e)
                {
                    failed = e;
                }
            }

            Assert.NotNull(failed);
            Assert.Contains("no longer accepts commits", failed.Message, StringComparison.Ordinal);
            Assert.Contains(FailingSyncCalls.IoErrorText, failed.Message, StringComparison.Ordinal);
            Assert.Contains(directorySync ? $"the directory '{temp.Path}'" : $"the data of '{temp.Segments.Single()}'", failed.Message, StringComparison.Ordinal);
            Assert.Equal(directorySync ? 2 : 1, temp.Segments.Count());

            // The disk answers again, but what the failed sync was to write may be gone from the
            // page cache: no later sync may be taken as making it durable, so none is made.
            calls.FailData = calls.FailDirectory = false;
            syncsAfterFailure = calls.Calls;
            await Assert.ThrowsAsync<FluxMapIOException>(async () => await handle.InsertAsync("later", "x", Ct));
            await Assert.ThrowsAsync<FluxMapIOException>(async () => await handle.TransactionAsync(async (tx, ct) => await tx.InsertAsync("later", "y", ct), Ct));
            await Assert.ThrowsAsync<FluxMapIOException>(() => db.FlushAsync(Ct));
            Assert.Equal(FluxHealthStatus.Failed, db.GetHealth().Status);

            await AssertHoldsAsync(handle, acknowledged);
            Assert.False(await handle.ContainsKeyAsync("later", Ct));
        }

        Assert.Equal(syncsAfterFailure, calls.Calls);
        await using var reopened = await FluxDatabase.OpenAsync<string, string>(Options(temp.Path), Ct);
        await AssertHoldsAsync(reopened.CreateHandle(), acknowledged);
    }

    [Fact]
    public async Task A_failed_data_file_sync_stops_checkpoints_for_good_while_the_log_keeps_every_commit()
    {
        using var temp = new TempDirectory();
        var calls = new FailingSyncCalls();
        var acknowledged = new Dictionary<string, string>();
        await using (var db = await OpenAsync(temp.Path, calls))
        {
            var handle = db.CreateHandle();
            for (var i = 0; i < 50; i++)
            {
                await handle.InsertAsync($"k{i:D3}", $"v{i}", Ct);
                acknowledged[$"k{i:D3}"] = $"v{i}";
            }

            // In Full mode the log has nothing left to sync: the checkpoint's syncs are the data file's.
            calls.FailData = calls.FailFile = true;
            var failed = await Assert.ThrowsAsync<FluxMapIOException>(() => db.CheckpointAsync(Ct));
            Assert.Contains("checkpoints stopped", failed.Message, StringComparison.Ordinal);
            Assert.Contains($"'{Path.Combine(temp.Path, DataFileFormat.FileName)}'", failed.Message, StringComparison.Ordinal);
            Assert.Contains(FailingSyncCalls.IoErrorText, failed.Message, StringComparison.Ordinal);

            calls.FailData = calls.FailFile = false;
            var syncs = calls.Calls;
            await Assert.ThrowsAsync<FluxMapIOException>(() => db.CheckpointAsync(Ct));
            Assert.Equal(syncs, calls.Calls);
            Assert.Equal(FluxHealthStatus.Degraded, db.GetHealth().Status);

            // The log never depended on the data file: commits go on, each synced in the log.
            await handle.InsertAsync("after", "checkpoint failed", Ct);
            acknowledged["after"] = "checkpoint failed";
            Assert.Equal(syncs + 1, calls.Calls);
            await AssertHoldsAsync(handle, acknowledged);
        }

        await using var reopened = await FluxDatabase.OpenAsync<string, string>(Options(temp.Path), Ct);
        await AssertHoldsAsync(reopened.CreateHandle(), acknowledged);
    }
}

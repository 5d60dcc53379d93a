using FluxMap.Durability;
using FluxMap.IO;
using Microsoft.Win32.SafeHandles;

namespace FluxMap.Tests.IO;

/// <summary>The operating system's sync calls on this machine, and which of them a file's sync makes.</summary>
public sealed class NativeSyncTests
{
    [Fact]
    public void The_platform_calls_sync_a_real_file_and_a_real_directory()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "synced.bin");
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.Write(handle, new byte[4096], 0);
            Assert.Equal(0, FileSync.PlatformCalls.SyncData(handle.DangerousGetHandle()));
            Assert.Equal(0, FileSync.PlatformCalls.SyncFile(handle.DangerousGetHandle()));
            FileSync.Native.SyncData(handle, path);
            FileSync.Native.SyncFile(handle, path);
        }

        // Through counting calls that pass on to the real ones: the directory is opened and synced, not skipped.
        var calls = new FailingSyncCalls();
        new FileSync(calls).SyncDirectory(temp.Path);
        Assert.Equal(OperatingSystem.IsWindows() ? 0 : 1, calls.DirectoryCalls);
    }

    [Fact]
    public void A_sync_of_a_descriptor_that_is_not_open_throws_naming_the_error()
    {
        // No process has this many files open, so the number is never a file's.
        using var invalid = new SafeFileHandle(int.MaxValue, ownsHandle: false);
        var expected = OperatingSystem.IsWindows() ? "Windows error 6 (" : "errno 9 (EBADF: ";

        var data = Assert.Throws<IOException>(() => FileSync.Native.SyncData(invalid, "nowhere.bin"));
        var file = Assert.Throws<IOException>(() => FileSync.Native.SyncFile(invalid, "nowhere.bin"));

        Assert.Contains(expected, data.Message, StringComparison.Ordinal);
        Assert.Contains("'nowhere.bin'", data.Message, StringComparison.Ordinal);
        Assert.Contains(expected, file.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sync_of_a_closed_handle_throws_before_its_number_reaches_the_system()
    {
        // The number of a closed handle may already name another file by now: it must not be synced.
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "closed.bin");
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        handle.Dispose();
        var calls = new FailingSyncCalls();

        Assert.Throws<ObjectDisposedException>(() => new FileSync(calls).SyncData(handle, path));
        Assert.Equal(0, calls.Calls);
    }

    [Fact]
    public void A_directory_that_cannot_be_opened_fails_its_sync_naming_the_error()
    {
        using var temp = new TempDirectory();
        var missing = Path.Combine(temp.Path, "missing");

        var error = Record.Exception(() => FileSync.Native.SyncDirectory(missing));

        if (OperatingSystem.IsWindows())
        {
            Assert.Null(error); // Windows syncs no directory at all (docs/architecture.md, "Durable syncs").
        }
        else
        {
            Assert.Contains($"'{missing}'", Assert.IsType<IOException>(error).Message, StringComparison.Ordinal);
            Assert.Contains("errno 2 (ENOENT: ", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_interrupted_sync_is_made_again()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "interrupted.bin");
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        var calls = new FailingSyncCalls { Interruptions = 2 };

        var error = Record.Exception(() => new FileSync(calls).SyncData(handle, path));

        if (OperatingSystem.IsWindows())
        {
            Assert.IsType<IOException>(error); // no EINTR there: error 4 is a failure like any other
        }
        else
        {
            Assert.Null(error);
            Assert.Equal(3, calls.DataCalls);
        }
    }

    [Fact]
    public void A_file_syncs_its_metadata_after_it_was_created_or_resized_and_only_its_data_otherwise()
    {
        using var temp = new TempDirectory();
        var calls = new FailingSyncCalls();
        var storage = new PhysicalStorage(new FileSync(calls));
        var path = Path.Combine(temp.Path, "segment.bin");

        using (var created = storage.Open(path, create: true, preallocate: 64 * 1024))
        {
            created.Sync();
            Assert.Equal((0, 1), (calls.DataCalls, calls.FileCalls));

            // Appends within the preallocated size.
            created.Write(new byte[100], 0);
            created.Sync();
            created.Write(new byte[100], 100);
            created.Sync();
            Assert.Equal((2, 1), (calls.DataCalls, calls.FileCalls));

            created.SetLength(128 * 1024);
            created.Sync();
            created.Sync();
            Assert.Equal((3, 2), (calls.DataCalls, calls.FileCalls));
        }

        using var reopened = storage.Open(path, create: false);
        reopened.Write(new byte[100], 200);
        reopened.Sync();
        Assert.Equal((4, 2), (calls.DataCalls, calls.FileCalls));
    }
}

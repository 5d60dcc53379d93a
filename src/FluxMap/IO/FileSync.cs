using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace FluxMap.IO;

/// <summary>
/// Makes files and directories durable through our own calls to the operating system and
/// trusts only their result: on .NET 10.0.12 <see cref="RandomAccess.FlushToDisk"/> and
/// <c>FileStream.Flush(true)</c> return normally when fsync fails (docs/architecture.md,
/// "Durable syncs"). A failed sync throws an <see cref="IOException"/> naming the error; an
/// interrupted one (EINTR) is made again, since it reports a signal, not the disk.
/// </summary>
internal sealed partial class FileSync(ISyncCalls calls)
{
    private const int Eintr = 4;

    /// <summary>Gets this platform's sync calls.</summary>
    internal static ISyncCalls PlatformCalls { get; } =
        OperatingSystem.IsWindows() ? new WindowsSyncCalls()
        : OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS() ? new AppleSyncCalls()
        : new PosixSyncCalls();

    /// <summary>Gets the syncs the database runs on: this platform's calls.</summary>
    internal static FileSync Native { get; } = new(PlatformCalls);

    /// <summary>Makes the bytes written to <paramref name="handle"/> durable, and of its metadata only what reading them back needs.</summary>
    internal void SyncData(SafeFileHandle handle, string path) =>
        Run(static (os, descriptor) => os.SyncData(descriptor), handle, "the data of", path);

    /// <summary>Makes <paramref name="handle"/>'s bytes and all its metadata (its size, its inode) durable.</summary>
    internal void SyncFile(SafeFileHandle handle, string path) =>
        Run(static (os, descriptor) => os.SyncFile(descriptor), handle, "the data and metadata of", path);

    /// <summary>Makes the files created, renamed or deleted in <paramref name="directory"/> survive a crash.</summary>
    internal void SyncDirectory(string directory)
    {
        // Windows has no directory sync that .NET can open a handle for; as before this class,
        // names there rest on NTFS's metadata journal.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = OpenReadOnly(directory, 0);
        if (fd == -1)
        {
            throw new IOException($"Opening the directory '{directory}' to sync it failed: {Describe(Marshal.GetLastPInvokeError())}.");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        Run(static (os, descriptor) => os.SyncDirectory(descriptor), handle, "the directory", directory);
    }

    private static string Describe(int error)
    {
        var message = Marshal.GetPInvokeErrorMessage(error);
        if (OperatingSystem.IsWindows())
        {
            return $"Windows error {error} ({message})";
        }

        return ErrnoName(error) is { } name ? $"errno {error} ({name}: {message})" : $"errno {error} ({message})";
    }

    // The errors a sync reports in practice; the low numbers are the same on every Unix.
    private static string? ErrnoName(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        4 => "EINTR",
        5 => "EIO",
        9 => "EBADF",
        13 => "EACCES",
        20 => "ENOTDIR",
        22 => "EINVAL",
        28 => "ENOSPC",
        30 => "EROFS",
        122 when OperatingSystem.IsLinux() => "EDQUOT",
        69 when !OperatingSystem.IsLinux() => "EDQUOT",
        _ => null,
    };

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenReadOnly(string path, int flags);

    private void Run(Func<ISyncCalls, nint, int> call, SafeFileHandle handle, string what, string path)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            while (call(calls, handle.DangerousGetHandle()) == -1)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error != Eintr || OperatingSystem.IsWindows())
                {
                    throw new IOException($"Syncing {what} '{path}' to disk failed: {Describe(error)}.");
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}

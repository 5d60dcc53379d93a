using System.Runtime.InteropServices;

namespace FluxMap.IO;

/// <summary>
/// macOS and Apple's other systems: fsync there hands the data to the drive, which may keep it in
/// its volatile cache, so every sync is <c>fcntl(F_FULLFSYNC)</c>, which also flushes that cache.
/// </summary>
internal sealed partial class AppleSyncCalls : ISyncCalls
{
    private const int FullFsync = 51; // F_FULLFSYNC in <sys/fcntl.h>
    private const int Enotty = 25;
    private const int Enotsup = 45;

    public int SyncData(nint handle) => FullSync((int)handle);

    public int SyncFile(nint handle) => FullSync((int)handle);

    public int SyncDirectory(nint handle) => FullSync((int)handle);

    // A file system without F_FULLFSYNC (some network ones) refuses it with ENOTSUP or ENOTTY
    // before doing anything, so nothing failed yet and fsync is the best it offers. Any other
    // error is the sync's own and is returned as it is.
    private static int FullSync(int fd)
    {
        var result = Fcntl(fd, FullFsync);
        return result == -1 && Marshal.GetLastPInvokeError() is Enotsup or Enotty ? Fsync(fd) : result;
    }

    // fcntl is variadic; F_FULLFSYNC takes no third argument, so none is passed (on arm64 a
    // variadic argument would go on the stack, where a fixed one would not).
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);
}

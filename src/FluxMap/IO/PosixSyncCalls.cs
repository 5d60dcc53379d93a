using System.Runtime.InteropServices;

namespace FluxMap.IO;

/// <summary>Linux and the other Unix systems except Apple's: fdatasync for data, fsync for the rest.</summary>
internal sealed partial class PosixSyncCalls : ISyncCalls
{
    public int SyncData(nint handle) => Fdatasync((int)handle);

    public int SyncFile(nint handle) => Fsync((int)handle);

    public int SyncDirectory(nint handle) => Fsync((int)handle);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);
}

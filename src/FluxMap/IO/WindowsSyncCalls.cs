using System.Runtime.InteropServices;

namespace FluxMap.IO;

/// <summary>Windows: FlushFileBuffers writes data and metadata alike.</summary>
internal sealed partial class WindowsSyncCalls : ISyncCalls
{
    public int SyncData(nint handle) => Flush(handle);

    public int SyncFile(nint handle) => Flush(handle);

    public int SyncDirectory(nint handle) => Flush(handle);

    private static int Flush(nint handle) => FlushFileBuffers(handle) ? 0 : -1;

    [LibraryImport("kernel32", EntryPoint = "FlushFileBuffers", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool FlushFileBuffers(nint handle);
}

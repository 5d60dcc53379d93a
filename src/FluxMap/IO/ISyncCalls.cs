namespace FluxMap.IO;

/// <summary>
/// The operating system's calls that make written bytes durable, one implementation per
/// platform; the seam fault-injection tests replace to fail a sync as a failing disk does. Each
/// takes the raw file descriptor (or Windows handle) and returns 0 on success, or -1 with the
/// error code left for <see cref="System.Runtime.InteropServices.Marshal.GetLastPInvokeError"/>,
/// as libc does.
/// </summary>
internal interface ISyncCalls
{
    /// <summary>Makes the file's data durable, with only the metadata reading it back needs.</summary>
    int SyncData(nint handle);

    /// <summary>Makes the file's data and all its metadata durable.</summary>
    int SyncFile(nint handle);

    /// <summary>Makes the names in an open directory durable: files created, renamed or deleted in it.</summary>
    int SyncDirectory(nint handle);
}

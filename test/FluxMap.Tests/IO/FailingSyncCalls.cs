using System.Runtime.InteropServices;
using FluxMap.IO;

namespace FluxMap.Tests.IO;

/// <summary>
/// This platform's real sync calls, counted, with a switch per kind of sync that makes the call
/// fail as a failing disk does: it syncs nothing and returns -1 with EIO (on Windows, the error
/// FlushFileBuffers reports for a device failure), so everything above the system call is real.
/// A data sync can also be held at the system call, as a slow disk holds it, until the test lets it go.
/// </summary>
internal sealed class FailingSyncCalls : ISyncCalls
{
    private const int Eintr = 4;
    private static readonly int IoError = OperatingSystem.IsWindows() ? 1117 : 5;
    private readonly ISyncCalls _real = FileSync.PlatformCalls;
    private volatile bool _failData;
    private volatile bool _failFile;
    private volatile bool _failDirectory;
    private int _dataCalls;
    private int _fileCalls;
    private int _directoryCalls;

    /// <summary>Gets how a failure this class injects reads in an exception's message.</summary>
    public static string IoErrorText => OperatingSystem.IsWindows() ? "Windows error 1117" : "errno 5 (EIO: ";

    /// <summary>Gets or sets a value indicating whether data syncs (fdatasync) fail.</summary>
    public bool FailData { get => _failData; set => _failData = value; }

    /// <summary>Gets or sets a value indicating whether file syncs with metadata (fsync) fail.</summary>
    public bool FailFile { get => _failFile; set => _failFile = value; }

    /// <summary>Gets or sets a value indicating whether directory syncs fail.</summary>
    public bool FailDirectory { get => _failDirectory; set => _failDirectory = value; }

    /// <summary>Gets or sets a gate every data sync waits on before it runs (the syncing thread blocks; the test opens it, or swaps in another for the next sync).</summary>
    public ManualResetEventSlim? HoldData { get; set; }

    /// <summary>Gets a count released as each data sync starts, before <see cref="HoldData"/>, so tests wait on events, not time.</summary>
    public SemaphoreSlim DataStarted { get; } = new(0);

    /// <summary>Gets or sets how many of the next calls are interrupted (EINTR) before they sync anything (for one thread at a time).</summary>
    public int Interruptions { get; set; }

    public int DataCalls => Volatile.Read(ref _dataCalls);

    public int FileCalls => Volatile.Read(ref _fileCalls);

    public int DirectoryCalls => Volatile.Read(ref _directoryCalls);

    public int Calls => DataCalls + FileCalls + DirectoryCalls;

    public int SyncData(nint handle)
    {
        // Read before the start is signalled, so a gate swapped in once this sync started holds the next one.
        var hold = HoldData;
        DataStarted.Release();
        hold?.Wait();
        return Call(ref _dataCalls, _failData, handle, _real.SyncData);
    }

    public int SyncFile(nint handle) => Call(ref _fileCalls, _failFile, handle, _real.SyncFile);

    public int SyncDirectory(nint handle) => Call(ref _directoryCalls, _failDirectory, handle, _real.SyncDirectory);

    private int Call(ref int count, bool fail, nint handle, Func<nint, int> real)
    {
        Interlocked.Increment(ref count);
        if (Interruptions > 0)
        {
            Interruptions--;
            Marshal.SetLastPInvokeError(Eintr);
            return -1;
        }

        if (fail)
        {
            Marshal.SetLastPInvokeError(IoError);
            return -1;
        }

        return real(handle);
    }
}

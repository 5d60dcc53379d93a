using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace FluxMap.CrashWorker;

/// <summary>
/// Every acknowledged commit of the loss-window workload, in the order the loops saw them return,
/// in a memory-mapped file: an entry is one store into a shared mapping, so reporting costs the
/// loops nothing they would notice, and a SIGKILL loses none of it (the pages belong to the file,
/// not to the process). Entry i holds which loop's which commit was the (i+1)-th to return.
/// </summary>
public sealed class AckJournal : IDisposable
{
    /// <summary>Far more commits than a loop gets acknowledged in the crash tests' runs.</summary>
    public const int Capacity = 1 << 21;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private long _count;

    private AckJournal(string path)
    {
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, Capacity * sizeof(long));
        _view = _file.CreateViewAccessor();
    }

    /// <summary>Gets how many commits had been acknowledged when it was read: each of them returned before the reader went on.</summary>
    public long Count => Volatile.Read(ref _count);

    public static AckJournal Create(string path) => new(path);

    /// <summary>
    /// Reads a killed worker's journal: entry i is (loop, commit), or null where the worker died
    /// between taking index i and storing it. That leaves at most one hole per loop, so the
    /// entries end before the first block of zeros longer than that: only what was used is read.
    /// </summary>
    public static (int Loop, long Commit)?[] Read(string path)
    {
        using var file = File.OpenRead(path);
        var block = new byte[4096 * sizeof(long)];
        var entries = new List<(int Loop, long Commit)?>();
        while (true)
        {
            var values = MemoryMarshal.Cast<byte, long>(block.AsSpan(0, file.ReadAtLeast(block, block.Length, throwOnEndOfStream: false)));
            if (!values.ContainsAnyExcept(0L))
            {
                break;
            }

            foreach (var value in values)
            {
                entries.Add(value == 0 ? null : ((int)((value - 1) % LossWindowModel.Loops), (value - 1) / LossWindowModel.Loops));
            }
        }

        var used = entries.FindLastIndex(entry => entry is not null) + 1;
        return [.. entries.Take(used)];
    }

    /// <summary>Records that <paramref name="loop"/>'s commit <paramref name="commit"/> returned; answers its index.</summary>
    public long Append(int loop, long commit)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        if (index >= Capacity)
        {
            throw new InvalidOperationException($"The journal holds {Capacity} acknowledgements; the crash test ran the workload longer than it allows for.");
        }

        _view.Write(index * sizeof(long), (commit * LossWindowModel.Loops) + loop + 1);
        return index;
    }

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}

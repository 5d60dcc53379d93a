namespace FluxMap.Compare.Measurement;

/// <summary>
/// The process-wide counters a cell is charged with: bytes allocated on every thread (so a
/// store's background threads count too), bytes sent to the storage layer (/proc/self/io
/// write_bytes, which also sees native stores' writes), and the resident-set high-water mark,
/// which Linux lets a process reset through /proc/self/clear_refs.
/// </summary>
internal readonly record struct ProcessCounters(long AllocatedBytes, long DiskWriteBytes)
{
    /// <summary>True where /proc reports I/O and memory (Linux); elsewhere disk and peak memory read as zero.</summary>
    public static bool Available { get; } = File.Exists("/proc/self/io");

    /// <summary>Reads the counters now.</summary>
    public static ProcessCounters Capture() => new(GC.GetTotalAllocatedBytes(precise: true), ReadProcField("/proc/self/io", "write_bytes:"));

    /// <summary>Starts a new resident-set high-water mark from the current size.</summary>
    public static void ResetPeakResident()
    {
        if (Available)
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
    }

    /// <summary>The resident-set high-water mark since the last reset, in bytes.</summary>
    public static long PeakResidentBytes() => ReadProcField("/proc/self/status", "VmHWM:") * 1024;

    private static long ReadProcField(string path, string field)
    {
        if (!Available)
        {
            return 0;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var digits = line.AsSpan(field.Length).Trim();
                var end = digits.IndexOf(' ');
                return long.Parse(end < 0 ? digits : digits[..end], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}

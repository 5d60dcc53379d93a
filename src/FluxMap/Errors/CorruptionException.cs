namespace FluxMap;

/// <summary>
/// A file of the database holds damaged data where valid data must be: not a torn tail left by a
/// crash (that is repaired silently) but damage to data that had been synced. Also thrown when a
/// file under one of the database's file names is not one FluxMap wrote, or is of a format
/// version this FluxMap does not read; the open that finds it writes nothing.
/// </summary>
public sealed class CorruptionException : FluxMapException
{
    internal CorruptionException(string message, string filePath, long offset)
        : base(message)
    {
        FilePath = filePath;
        Offset = offset;
    }

    /// <summary>Gets the damaged file.</summary>
    public string FilePath { get; }

    /// <summary>Gets the byte offset of the damage in <see cref="FilePath"/>.</summary>
    public long Offset { get; }
}

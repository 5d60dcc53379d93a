namespace FluxMap.Durability;

/// <summary>A data directory taken by one open database; disposing it releases the directory.</summary>
internal abstract class DirectoryLock : IDisposable
{
    /// <summary>
    /// Releases the directory after a failed open and takes back what taking it created, so a
    /// failed open leaves the directory as it found it.
    /// </summary>
    internal abstract void Abandon();

    public abstract void Dispose();
}

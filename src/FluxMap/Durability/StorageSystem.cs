namespace FluxMap.Durability;

/// <summary>The file operations the database needs, behind a seam for fault injection.</summary>
internal abstract class StorageSystem
{
    internal abstract void CreateDirectory(string path);

    /// <summary>File names (not paths) in <paramref name="directory"/> matching <paramref name="pattern"/>.</summary>
    internal abstract IReadOnlyList<string> ListFiles(string directory, string pattern);

    /// <summary>Opens or creates a file; a new file gets <paramref name="preallocate"/> bytes reserved and zeroed.</summary>
    internal abstract StorageFile Open(string path, bool create, long preallocate = 0);

    /// <summary>Opens an existing file for reading only: whatever reads it, it stays as it is.</summary>
    internal abstract StorageFile OpenRead(string path);

    internal abstract void Delete(string path);

    /// <summary>Renames a file; throws if <paramref name="to"/> exists. Survives a crash only once the directory is synced.</summary>
    internal abstract void Move(string from, string to);

    /// <summary>Makes file creations, renames and deletions in <paramref name="directory"/> survive a crash.</summary>
    internal abstract void SyncDirectory(string directory);

    /// <summary>Takes the directory for this process; throws while another database holds it.</summary>
    internal abstract DirectoryLock LockDirectory(string directory);

    /// <summary>
    /// Takes the directory for reading, creating nothing in it: shares it with other readers and
    /// keeps databases from opening it meanwhile. A directory no database ever held has nothing
    /// to take, so a database that opens it afterwards is not kept out.
    /// </summary>
    /// <exception cref="FluxMapIOException">A database holds the directory.</exception>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    internal abstract DirectoryLock LockDirectoryForReading(string directory);
}

using FluxMap.IO;
using Microsoft.Win32.SafeHandles;

namespace FluxMap.Durability;

/// <summary>The real file system, synced through <paramref name="sync"/>.</summary>
/// <param name="sync">The sync calls: <see cref="FileSync.Native"/>, or in tests one whose calls fail as a disk does.</param>
internal sealed class PhysicalStorage(FileSync sync) : StorageSystem
{
    internal static readonly PhysicalStorage Instance = new(FileSync.Native);

    internal override void CreateDirectory(string path) => Directory.CreateDirectory(path);

    internal override IReadOnlyList<string> ListFiles(string directory, string pattern) =>
        [.. Directory.EnumerateFiles(directory, pattern).Select(System.IO.Path.GetFileName).OfType<string>()];

    internal override StorageFile Open(string path, bool create, long preallocate = 0)
    {
        var handle = File.OpenHandle(
            path,
            create ? FileMode.CreateNew : FileMode.Open,
            FileAccess.ReadWrite,
            FileShare.Read,
            FileOptions.None,
            preallocate);
        if (create && preallocate > 0 && RandomAccess.GetLength(handle) < preallocate)
        {
            RandomAccess.SetLength(handle, preallocate);
        }

        return new PhysicalFile(path, handle, sync, created: create);
    }

    internal override StorageFile OpenRead(string path) =>
        new PhysicalFile(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read), sync, created: false);

    internal override void Delete(string path) => File.Delete(path);

    internal override void Move(string from, string to) => File.Move(from, to, overwrite: false);

    internal override void SyncDirectory(string directory) => sync.SyncDirectory(directory);

    internal override DirectoryLock LockDirectory(string directory)
    {
        var path = LockPath(directory);
        var existed = File.Exists(path);
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix, so a second process fails too.
            return new LockFile(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), created: !existed);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw InUse(directory, path, e);
        }
    }

    internal override DirectoryLock LockDirectoryForReading(string directory)
    {
        var path = LockPath(directory);
        try
        {
            // FileShare.Read takes a shared advisory lock on Unix: readers share it, and a database's exclusive one excludes them.
            return new LockFile(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read), created: false);
        }
        catch (FileNotFoundException)
        {
            // No database opened the directory here (a backup's copy, files brought from elsewhere): nothing to hold, and a reader creates nothing.
            return NoLockFile.Instance;
        }
        catch (IOException e) when (e is not DirectoryNotFoundException)
        {
            throw InUse(directory, path, e);
        }
    }

    private static string LockPath(string directory) => System.IO.Path.Combine(directory, "fluxmap.lock");

    private static FluxMapIOException InUse(string directory, string path, IOException e) =>
        new(
            $"The directory '{directory}' is already in use by another open FluxMap database (lock file '{path}'). " +
            "Dispose that database first; only one may use a directory at a time.",
            e);

    private sealed class NoLockFile : DirectoryLock
    {
        internal static readonly NoLockFile Instance = new();

        internal override void Abandon()
        {
        }

        public override void Dispose()
        {
        }
    }

    private sealed class LockFile(FileStream stream, bool created) : DirectoryLock
    {
        internal override void Abandon()
        {
            // Deleted while still held, so no other open can take the lock on a file about to
            // vanish. Windows refuses to delete an open file: there it stays, as after a close.
            if (created)
            {
                try
                {
                    File.Delete(stream.Name);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }

            stream.Dispose();
        }

        public override void Dispose() => stream.Dispose();
    }

    private sealed class PhysicalFile(string path, SafeFileHandle handle, FileSync sync, bool created) : StorageFile
    {
        // 1 while the file's size or inode changed since its last sync (it was created or resized).
        // fdatasync is specified to persist a new size too, but fsync makes the size and a new
        // inode durable without resting on every file system getting that right; it is rare
        // (creating a segment, growing the data file), so appends within preallocated space
        // keep the cheaper fdatasync.
        private int _metadataChanged = created ? 1 : 0;

        internal override string Path => path;

        internal override long Length => RandomAccess.GetLength(handle);

        internal override void Write(ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(handle, data, offset);

        internal override int Read(Span<byte> buffer, long offset)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        internal override async ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = await RandomAccess.ReadAsync(handle, buffer[total..], offset + total, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        internal override void Sync()
        {
            if (Interlocked.Exchange(ref _metadataChanged, 0) == 1)
            {
                sync.SyncFile(handle, path);
            }
            else
            {
                sync.SyncData(handle, path);
            }
        }

        internal override void SetLength(long length)
        {
            RandomAccess.SetLength(handle, length);

            // After the resize, so a sync that starts once this returns sees the flag.
            Volatile.Write(ref _metadataChanged, 1);
        }

        public override void Dispose() => handle.Dispose();
    }
}

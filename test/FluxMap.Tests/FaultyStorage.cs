using FluxMap.Durability;

namespace FluxMap.Tests;

/// <summary>
/// An in-memory file system that remembers what was synced, so a test can fail a write or a sync
/// on demand, hold syncs back, or simulate power loss by dropping every byte (and every file
/// creation and rename) that was never synced, as RocksDB's FaultInjectionTestFS does. Deletions
/// take effect at once, even on power loss.
/// </summary>
internal sealed class FaultyStorage : StorageSystem
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MemoryFile> _files = [];
    // What a power loss leaves of the directories: each name made durable by a directory sync and
    // the file it then named (a rename since moves the file in _files only).
    private readonly Dictionary<string, MemoryFile> _durableNames = [];
    private readonly HashSet<string> _locked = [];
    private int _generation;

    /// <summary>Gets or sets a value indicating whether every file write throws.</summary>
    public bool FailWrites { get; set; }

    /// <summary>Gets or sets a value indicating whether every sync throws.</summary>
    public bool FailSyncs { get; set; }

    /// <summary>Gets or sets a gate every file sync waits on (the writer's thread blocks; the test releases it).</summary>
    public ManualResetEventSlim? SyncGate { get; set; }

    /// <summary>Gets a count released each time a file sync starts (before the gate), so tests wait on events, not time.</summary>
    public SemaphoreSlim SyncStarted { get; } = new(0);

    /// <summary>Gets a count released each time a file sync has finished (made its bytes durable or failed).</summary>
    public SemaphoreSlim SyncFinished { get; } = new(0);

    public int Syncs { get; private set; }

    /// <summary>Gets how many files were created (not counting renames).</summary>
    public int Creates { get; private set; }

    /// <summary>
    /// Gets or sets what runs on the syncing thread just before a directory sync takes effect, so a
    /// test can capture (with <see cref="CloneDurable"/>) what a power loss at that instant leaves.
    /// </summary>
    public Action? BeforeDirectorySync { get; set; }

    /// <summary>Forgets the syncs signalled so far, so a test waits only for the ones it causes next.</summary>
    public void ResetSyncSignals()
    {
        while (SyncStarted.Wait(0))
        {
        }

        while (SyncFinished.Wait(0))
        {
        }
    }

    public IReadOnlyList<string> FileNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _files.Keys.Order()];
            }
        }
    }

    /// <summary>A copy of the synced state: what a fresh machine would find after power loss.</summary>
    public FaultyStorage CloneDurable()
    {
        var clone = new FaultyStorage();
        lock (_gate)
        {
            foreach (var (path, file) in _durableNames)
            {
                clone._files[path] = clone._durableNames[path] = new MemoryFile { Current = [.. file.Durable], Durable = [.. file.Durable] };
            }
        }

        return clone;
    }

    /// <summary>Review helper: a process crash (kill -9): written bytes survive in the page cache, the synced state is unchanged.</summary>
    public FaultyStorage CloneCurrent()
    {
        var clone = new FaultyStorage();
        lock (_gate)
        {
            var copies = _files.Values.Concat(_durableNames.Values).Distinct()
                .ToDictionary(file => file, file => new MemoryFile { Current = [.. file.Current], Durable = [.. file.Durable] });
            foreach (var (path, file) in _files)
            {
                clone._files[path] = copies[file];
            }

            foreach (var (path, file) in _durableNames)
            {
                clone._durableNames[path] = copies[file];
            }
        }

        return clone;
    }

    public bool FailCreates { get; set; }

    /// <summary>Review helper: runs (outside the lock) before every file write, with the file's path and offset.</summary>
    public Action<string, long>? BeforeWrite { get; set; }

    /// <summary>
    /// Gets or sets what runs on the writing thread right after a file write took effect (path,
    /// offset, length), so a test can capture what a crash at that instant leaves.
    /// </summary>
    public Action<string, long, int>? AfterWrite { get; set; }

    /// <summary>
    /// Gets or sets what runs on the reading thread as every file read starts (path, offset), before
    /// the read can yield: where a test observes what the reader holds.
    /// </summary>
    public Action<string, long>? OnRead { get; set; }

    /// <summary>
    /// Gets or sets what a read through ReadAsync awaits (path, offset) before it reads the file, so
    /// a test can change the database between a reader's choice of record and the read itself.
    /// </summary>
    public Func<string, long, Task>? BeforeReadAsync { get; set; }

    /// <summary>Gets or sets what runs on the syncing thread right after a file sync made its bytes durable.</summary>
    public Action<string>? AfterSync { get; set; }

    public byte[] ReadFile(string path)
    {
        lock (_gate)
        {
            return _files[path].Current.ToArray();
        }
    }

    public void ReplaceFile(string path, byte[] content)
    {
        lock (_gate)
        {
            _files[path].Current = [.. content];
            _files[path].Durable = [.. content];
        }
    }

    /// <summary>
    /// Power loss: unsynced bytes vanish, so do files whose creation was never made durable, and
    /// renamed files are back under their old names unless the rename was made durable.
    /// Files and locks opened before it are dead: using them throws, releasing them does nothing.
    /// </summary>
    public void PowerLoss()
    {
        lock (_gate)
        {
            _generation++;
            _files.Clear();
            foreach (var (path, file) in _durableNames)
            {
                file.Current = [.. file.Durable];
                _files[path] = file;
            }

            _locked.Clear();
        }
    }

    internal override void CreateDirectory(string path)
    {
    }

    internal override IReadOnlyList<string> ListFiles(string directory, string pattern)
    {
        var (prefix, suffix) = (pattern[..pattern.IndexOf('*', StringComparison.Ordinal)], pattern[(pattern.IndexOf('*', StringComparison.Ordinal) + 1)..]);
        lock (_gate)
        {
            return [.. _files.Keys
                .Where(p => Path.GetDirectoryName(p) == directory)
                .Select(p => Path.GetFileName(p))
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(suffix, StringComparison.Ordinal))];
        }
    }

    internal override StorageFile Open(string path, bool create, long preallocate = 0)
    {
        lock (_gate)
        {
            if (create)
            {
                if (FailCreates)
                {
                    throw new IOException("injected create failure");
                }

                if (_files.ContainsKey(path))
                {
                    throw new IOException($"'{path}' exists");
                }

                _files[path] = new MemoryFile { Current = [.. new byte[preallocate]] };
                Creates++;
            }
            else if (!_files.ContainsKey(path))
            {
                throw new FileNotFoundException(path);
            }

            return new FileHandle(this, _files[path], _generation, path);
        }
    }

    internal override StorageFile OpenRead(string path) => Open(path, create: false);

    internal override void Delete(string path)
    {
        lock (_gate)
        {
            _files.Remove(path);
            _durableNames.Remove(path);
        }
    }

    internal override void Move(string from, string to)
    {
        lock (_gate)
        {
            if (_files.ContainsKey(to))
            {
                throw new IOException($"'{to}' exists");
            }

            if (!_files.Remove(from, out var file))
            {
                throw new FileNotFoundException(from);
            }

            _files[to] = file;
        }
    }

    internal override void SyncDirectory(string directory)
    {
        BeforeDirectorySync?.Invoke();
        lock (_gate)
        {
            ThrowIfSyncFails();
            foreach (var path in _durableNames.Keys.Where(p => Path.GetDirectoryName(p) == directory).ToList())
            {
                _durableNames.Remove(path);
            }

            foreach (var (path, file) in _files.Where(f => Path.GetDirectoryName(f.Key) == directory))
            {
                _durableNames[path] = file;
            }
        }
    }

    internal override DirectoryLock LockDirectory(string directory)
    {
        lock (_gate)
        {
            if (!_locked.Add(directory))
            {
                throw new FluxMapIOException($"'{directory}' is already in use");
            }

            var generation = _generation;
            return new Releaser(() =>
            {
                lock (_gate)
                {
                    if (generation == _generation)
                    {
                        _locked.Remove(directory);
                    }
                }
            });
        }
    }

    // Held alone, as a database holds it: no test needs readers to share a directory here.
    internal override DirectoryLock LockDirectoryForReading(string directory) => LockDirectory(directory);

    private void ThrowIfSyncFails()
    {
        if (FailSyncs)
        {
            throw new IOException("injected fsync failure");
        }
    }

    private sealed class Releaser(Action release) : DirectoryLock
    {
        internal override void Abandon() => release();

        public override void Dispose() => release();
    }

    private sealed class MemoryFile
    {
        internal List<byte> Current { get; set; } = [];

        internal List<byte> Durable { get; set; } = [];
    }

    private sealed class FileHandle(FaultyStorage owner, MemoryFile file, int generation, string filePath) : StorageFile
    {
        internal override string Path => "memory";

        internal override long Length
        {
            get
            {
                lock (owner._gate)
                {
                    ThrowIfDead();
                    return file.Current.Count;
                }
            }
        }

        internal override void Write(ReadOnlySpan<byte> data, long offset)
        {
            owner.BeforeWrite?.Invoke(filePath, offset);
            lock (owner._gate)
            {
                ThrowIfDead();
                if (owner.FailWrites)
                {
                    throw new IOException("injected write failure");
                }

                var current = file.Current;
                var end = (int)offset + data.Length;
                if (current.Count < end)
                {
                    current.AddRange(new byte[end - current.Count]);
                }

                for (var i = 0; i < data.Length; i++)
                {
                    current[(int)offset + i] = data[i];
                }
            }

            owner.AfterWrite?.Invoke(filePath, offset, data.Length);
        }

        internal override int Read(Span<byte> buffer, long offset)
        {
            owner.OnRead?.Invoke(filePath, offset);
            return ReadNow(buffer, offset);
        }

        internal override async ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            owner.OnRead?.Invoke(filePath, offset);
            if (owner.BeforeReadAsync is { } before)
            {
                await before(filePath, offset);
            }

            return ReadNow(buffer.Span, offset);
        }

        private int ReadNow(Span<byte> buffer, long offset)
        {
            lock (owner._gate)
            {
                ThrowIfDead();
                var count = Math.Max(0, Math.Min(buffer.Length, file.Current.Count - (int)offset));
                for (var i = 0; i < count; i++)
                {
                    buffer[i] = file.Current[(int)offset + i];
                }

                return count;
            }
        }

        internal override void Sync()
        {
            // The gate is read before the start is signalled, so a test that swaps in another gate
            // once this sync started holds the next sync with it, not this one.
            var gate = owner.SyncGate;
            owner.SyncStarted.Release();
            gate?.Wait();
            try
            {
                lock (owner._gate)
                {
                    ThrowIfDead();
                    owner.ThrowIfSyncFails();
                    file.Durable = [.. file.Current];
                    owner.Syncs++;
                }

                owner.AfterSync?.Invoke(filePath);
            }
            finally
            {
                owner.SyncFinished.Release();
            }
        }

        internal override void SetLength(long length)
        {
            lock (owner._gate)
            {
                ThrowIfDead();
                var current = file.Current;
                if (current.Count > length)
                {
                    current.RemoveRange((int)length, current.Count - (int)length);
                }
                else
                {
                    current.AddRange(new byte[length - current.Count]);
                }
            }
        }

        public override void Dispose()
        {
        }

        private void ThrowIfDead()
        {
            if (generation != owner._generation)
            {
                throw new IOException("the device lost power");
            }
        }
    }
}

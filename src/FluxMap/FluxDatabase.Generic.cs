namespace FluxMap;

/// <summary>
/// An open database. Create handles from it to read and write; dispose it to close it, after
/// which every handle and transaction of it throws <see cref="ObjectDisposedException"/>.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class FluxDatabase<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    private readonly FluxEngine<TKey, TValue> _engine;

    internal FluxDatabase(FluxEngine<TKey, TValue> engine) => _engine = engine;

    internal FluxEngine<TKey, TValue> Engine => _engine;

    /// <summary>Creates a handle to read, write, scan and run transactions.</summary>
    /// <returns>A thread-safe handle.</returns>
    public FluxHandle<TKey, TValue> CreateHandle()
    {
        _engine.ThrowIfDisposed();
        return new FluxHandle<TKey, TValue>(_engine);
    }

    /// <summary>Writes and syncs every commit acknowledged so far (Relaxed durability acknowledges before syncing).</summary>
    /// <param name="cancellationToken">Stops waiting; the flush itself goes on.</param>
    /// <returns>A task that completes when those commits are on disk.</returns>
    /// <exception cref="FluxMapIOException">The log could not be written.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _engine.FlushAsync(cancellationToken);

    /// <summary>
    /// Writes every commit acknowledged so far into the data file and records a checkpoint, so the
    /// write-ahead log gives back the segments it covers and the next open replays nothing before
    /// it. The data file's background service does this on its own; call it before a backup or to
    /// bound the next open's replay. Without a data file it syncs the log; in memory it does nothing.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    /// <exception cref="FluxMapIOException">The data file or the log could not be written.</exception>
    public Task CheckpointAsync(CancellationToken cancellationToken = default) => _engine.CheckpointAsync(cancellationToken);

    /// <summary>
    /// Writes a consistent copy of the database, one snapshot of it, into <paramref name="destination"/>
    /// while commits go on: writers never wait for the backup. The copy is a data file with a
    /// checkpoint at the snapshot, which <see cref="FluxDatabase.OpenAsync{TKey, TValue}"/> opens as a
    /// database with Relaxed or Full durability (and <see cref="FluxMapOptions.UseDataFile"/> on, the
    /// default). An in-memory database is backed up the same way, so its copy opens durable.
    /// </summary>
    /// <remarks>
    /// Until the backup ends, vacuum keeps the versions its snapshot reads, so a database under heavy
    /// writes holds more memory meanwhile. The copy appears in the destination only once complete:
    /// a backup that fails or is cancelled removes what it wrote, and one that dies leaves only a
    /// staging folder no open takes for a database.
    /// </remarks>
    /// <param name="destination">A directory that does not exist yet or is empty.</param>
    /// <param name="progress">Told the keys and bytes written after each batch; null for none.</param>
    /// <param name="cancellationToken">Cancels the backup; the destination is then left as it was.</param>
    /// <returns>The snapshot the copy holds and what it wrote.</returns>
    /// <exception cref="IOException">The destination is a file or a directory that is not empty, or writing the copy failed.</exception>
    /// <exception cref="NotSupportedException">In memory: MessagePack cannot encode the key or value type, so no file can hold them.</exception>
    public Task<BackupResult> BackupAsync(string destination, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        _engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return Operations.SnapshotBackup.RunAsync(_engine, destination, progress, cancellationToken);
    }

    /// <summary>
    /// Writes the keys of <paramref name="range"/>, as one snapshot holds them, to
    /// <paramref name="destination"/> as JSON Lines: one <c>{"key":…,"value":…}</c> object per line in
    /// key order, keys and values through System.Text.Json, plus <c>"expiresAt"</c> (an ISO 8601 UTC
    /// instant) for a key with a time-to-live. Commits go on meanwhile. Import it with
    /// <see cref="ImportJsonLinesAsync"/>, into this database or one whose value type changed.
    /// </summary>
    /// <param name="destination">Where the lines go; left open.</param>
    /// <param name="range">The keys to export; the default is every key.</param>
    /// <param name="jsonOptions">How keys and values become JSON; null for the defaults (non-ASCII text unescaped, public fields included).</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The number of keys written.</returns>
    /// <exception cref="System.Text.Json.JsonException">A key or value cannot be written as JSON.</exception>
    public Task<long> ExportJsonLinesAsync(
        Stream destination, KeyRange<TKey> range = default, System.Text.Json.JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return Operations.JsonLinesExport.RunAsync(_engine, destination, _engine.CheckRange(range), jsonOptions, cancellationToken);
    }

    /// <summary>Writes the keys that start with <paramref name="prefix"/> (string or byte[] keys) as JSON Lines; see <see cref="ExportJsonLinesAsync"/>.</summary>
    /// <param name="destination">Where the lines go; left open.</param>
    /// <param name="prefix">The prefix.</param>
    /// <param name="jsonOptions">How keys and values become JSON; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The number of keys written.</returns>
    public Task<long> ExportJsonLinesWithPrefixAsync(
        Stream destination, TKey prefix, System.Text.Json.JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return ExportJsonLinesAsync(destination, _engine.Keys.PrefixRange(prefix), jsonOptions, cancellationToken);
    }

    /// <summary>
    /// Reads JSON Lines as <see cref="ExportJsonLinesAsync"/> writes them and inserts each key
    /// (replacing what is there), in transactions of at most 1,000 lines or 1 MiB of them, so an
    /// import of any size commits as it goes. A key whose <c>expiresAt</c> has passed is left out;
    /// one still to come expires at that instant. Blank lines are skipped.
    /// </summary>
    /// <param name="source">The lines, UTF-8; left open.</param>
    /// <param name="jsonOptions">How JSON becomes keys and values; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the import between batches; the batches before stay committed.</param>
    /// <returns>What was read and written.</returns>
    /// <exception cref="JsonLinesImportException">
    /// A line is not valid (not UTF-8, not JSON, not an object of "key", "value" and "expiresAt", or of the wrong types)
    /// or a batch could not be committed: its message and properties name the line and say which lines were imported.
    /// </exception>
    public Task<JsonLinesImportResult> ImportJsonLinesAsync(Stream source, System.Text.Json.JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        _engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return Operations.JsonLinesImport<TKey, TValue>.RunAsync(_engine, source, jsonOptions, cancellationToken);
    }

    /// <summary>Gets the database's name, as in its metrics and log messages.</summary>
    public string Name => _engine.Name;

    /// <summary>
    /// Reclaims now what no running or future snapshot can see: old versions, deleted and evicted
    /// keys, and conflict bookkeeping. It works in short slices, so commits go on meanwhile.
    /// Automatic vacuum does the same every <see cref="FluxMapOptions.VacuumInterval"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the pass before it starts or between slices.</param>
    /// <returns>What the pass reclaimed.</returns>
    public ValueTask<VacuumResult> VacuumAsync(CancellationToken cancellationToken = default)
    {
        _engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return _engine.Vacuum.RunAsync(cancellationToken);
    }

    /// <summary>
    /// Estimates the memory all keys and versions hold, by walking every key (use
    /// <see cref="FluxStatistics.MemoryBytes"/> for a running figure when a memory limit is set).
    /// Commits go on meanwhile.
    /// </summary>
    /// <param name="cancellationToken">Cancels the walk before it starts or on the way.</param>
    /// <returns>Estimated bytes, as the memory limit would count them.</returns>
    public ValueTask<long> MeasureMemoryAsync(CancellationToken cancellationToken = default)
    {
        _engine.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return _engine.MeasureMemoryAsync(cancellationToken);
    }

    /// <summary>Reads the database's running totals.</summary>
    /// <returns>A snapshot of the statistics.</returns>
    public FluxStatistics GetStatistics() => _engine.GetStatistics();

    /// <summary>Tells whether the database works normally, serves with a failed background service, or has failed closed.</summary>
    /// <returns>The health.</returns>
    public FluxHealth GetHealth() => _engine.GetHealth();

    /// <summary>Closes the database: drains the log, syncs it and releases the directory.</summary>
    /// <returns>A task that completes when the database is closed.</returns>
    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}

namespace FluxMap;

/// <summary>
/// Settings of one database. Bindable from configuration; checked by
/// <see cref="FluxMapOptionsValidator"/> when the database opens.
/// </summary>
public sealed class FluxMapOptions
{
    /// <summary>Gets or sets what a commit costs and what a crash may take. Default <see cref="FluxMap.DurabilityMode.InMemory"/>.</summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.InMemory;

    /// <summary>
    /// Gets or sets the directory of the database's files; required for <see cref="FluxMap.DurabilityMode.Relaxed"/>
    /// and <see cref="FluxMap.DurabilityMode.Full"/>, and refused with <see cref="FluxMap.DurabilityMode.InMemory"/>
    /// (an in-memory database would leave a directory's data unread). Created when missing. One database at a time may
    /// use a directory (a lock file enforces it, across processes too).
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Gets or sets the size of one write-ahead log segment file, preallocated when it is created. Default 4 MiB.</summary>
    public long WalSegmentSize { get; set; } = 4L << 20;

    /// <summary>
    /// Gets or sets the most write-ahead log segment files kept, live plus recycled: segments a
    /// checkpoint has released are renamed and reused for new segments rather than deleted, up to
    /// this many files in all. With checkpoints keeping up, the log's disk use stays within
    /// <see cref="WalPoolSize"/> × <see cref="WalSegmentSize"/>. Default 8; at least 2.
    /// </summary>
    public int WalPoolSize { get; set; } = 8;

    /// <summary>Gets or sets the longest a Relaxed commit stays unsynced. Default 10 ms.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets or sets how many Relaxed commits trigger a sync. Default 1,000.</summary>
    public int FlushAfterCommits { get; set; } = 1_000;

    /// <summary>Gets or sets how many bytes of Relaxed commits trigger a sync. Default 1 MiB.</summary>
    public long FlushAfterBytes { get; set; } = 1L << 20;

    /// <summary>
    /// Gets or sets a value indicating whether a damaged log (a bad record followed by records
    /// that had been synced) opens anyway, up to the last good record, logging the loss as an
    /// error. Default false: opening throws <see cref="CorruptionException"/>.
    /// </summary>
    public bool RecoverToLastValidRecord { get; set; }

    /// <summary>
    /// Gets or sets how many times <c>TransactionAsync</c> runs a transaction body in total before
    /// a serialization conflict is handed to the caller. Default 10; 1 disables retries.
    /// </summary>
    public int MaxTransactionAttempts { get; set; } = 10;

    /// <summary>
    /// Gets or sets the first retry's upper delay bound. Each retry waits a random time (full
    /// jitter) up to this bound doubled per attempt and capped by <see cref="RetryMaxDelay"/>.
    /// Default 1 ms; zero retries at once.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Gets or sets the cap on one retry delay. Default 100 ms.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets or sets how many committed transactions keep their exact read sets while overlapping
    /// transactions still run. Beyond this the oldest are summarized: memory stays bounded under
    /// long transactions at the price of possibly more aborts. Default 10,000.
    /// </summary>
    public int MaxRetainedTransactions { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets how often vacuum runs in the background, reclaiming versions no snapshot can
    /// see, deleted and evicted keys, and conflict bookkeeping. Default 1 second;
    /// <see cref="TimeSpan.Zero"/> turns automatic vacuum off (<c>VacuumAsync</c> still works).
    /// </summary>
    public TimeSpan VacuumInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the most bytes of live keys and values to hold in memory (estimated; see
    /// <see cref="IMemorySizeEstimator{TKey, TValue}"/>); 0, the default, means no limit. In memory,
    /// each commit past it evicts the least recently used keys: they are deleted, for every later
    /// snapshot, as by a commit of their own. In a durable database with a data file, the values of
    /// the least recently used keys leave memory instead, once the data file holds them: keys
    /// stay, and a read brings a value back. Versions that running snapshots still read come on
    /// top until those snapshots end.
    /// </summary>
    public long MemoryLimit { get; set; }

    /// <summary>
    /// Gets or sets how often the sweeper deletes keys whose time-to-live ran out (reads treat them
    /// as absent from the deadline on; the sweeper frees them). Default 100 ms;
    /// <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan ExpirationSweepInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets or sets the most expired keys one sweep deletes, soonest deadline first, so a sweep's
    /// commit stays short; the rest wait for the next sweep. Default 1,000.
    /// </summary>
    public int MaxExpiredKeysPerSweep { get; set; } = 1_000;

    /// <summary>
    /// Gets or sets a value indicating whether values are stored and handed back as the caller's own
    /// instances. Default false: committed data changes only through commits, so a value of a type
    /// that can change (a byte array, a class) is copied when it is written and again when a read
    /// returns it, and changing what you wrote or read never changes what any snapshot reads or
    /// what is on disk. Strings, numbers, enums, dates, Guids and other structs without references
    /// are immutable and never copied. Set it to true only if no value is ever changed after it is
    /// written or read: reads and writes of mutable types then skip the copies.
    /// </summary>
    public bool AssumeImmutableValues { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether byte-array keys are stored and handed back as the
    /// caller's own instances. Default false: a byte[] key is copied when a write stores it or a read
    /// remembers it, and every key a scan returns is a copy, because changing a stored key's bytes
    /// would break the order every snapshot relies on. Set it to true only if no key array is ever
    /// changed after it is passed to FluxMap or returned by a scan: scans and writes then skip the
    /// copies (a 100-key scan of 16-byte keys saves 100 arrays). Keys of other types are never copied.
    /// </summary>
    public bool AssumeImmutableKeys { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a durable database keeps a write-behind data file
    /// (<c>fluxmap.data</c>) beside the write-ahead log. Default true: the newest value of every key
    /// is written there in the background, checkpoints let the log give back its segments, and an
    /// open loads the data file and replays only the log's tail. False keeps the log alone: it
    /// grows without bound and an open replays all of it.
    /// </summary>
    public bool UseDataFile { get; set; } = true;

    /// <summary>
    /// Gets or sets how many write-behind buffers there are (a key always uses the same one).
    /// Default 0: half the processor count, at least one.
    /// </summary>
    public int WriteBehindShards { get; set; }

    /// <summary>Gets or sets how many changes make a write-behind buffer flush. Default 1,024.</summary>
    public int WriteBehindMaxEntries { get; set; } = 1024;

    /// <summary>Gets or sets how many bytes of changes make a write-behind buffer flush. Default 16 MiB.</summary>
    public long WriteBehindMaxBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Gets or sets how often every write-behind buffer is flushed whatever it holds, and the
    /// data file's background work (checkpoints, compaction) runs. Default 100 ms.
    /// </summary>
    public TimeSpan WriteBehindInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets or sets the longest time between checkpoints while there are commits to cover. A
    /// checkpoint also runs whenever the write-ahead log has a segment it could give back. Default 10 seconds.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the share of the data file that may be garbage (superseded records, padding and
    /// free space): compaction moves the live records out of the sparsest extents early enough that
    /// under a steady write load the file stays within its live bytes / (1 - this), twice them by
    /// default. Default 0.5.
    /// </summary>
    public double CompactionThreshold { get; set; } = 0.5;
}

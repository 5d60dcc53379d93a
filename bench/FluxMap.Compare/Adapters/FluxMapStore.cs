namespace FluxMap.Compare.Adapters;

/// <summary>
/// FluxMap through its public API: one database of byte[] keys and values, one shared handle,
/// autocommit calls for point operations and <c>TransactionAsync</c> for transfers and loads.
/// </summary>
internal sealed class FluxMapStore : IStoreAdapter, IStoreSession
{
    private readonly FluxDatabase<byte[], byte[]> _db;
    private readonly FluxHandle<byte[], byte[]> _handle;
    private readonly bool _dataFile;
    private readonly TimeSpan _round;
    private DataFileActivity? _settled;

    private FluxMapStore(FluxDatabase<byte[], byte[]> db, FluxMapOptions options)
    {
        _db = db;
        _handle = db.CreateHandle();
        _dataFile = options.Durability != DurabilityMode.InMemory && options.UseDataFile;
        _round = options.WriteBehindInterval;
    }

    /// <summary>Opens FluxMap with <paramref name="durability"/>, logging under <paramref name="directory"/> when durable.</summary>
    public static async ValueTask<IStoreAdapter> OpenAsync(DurabilityMode durability, string directory, long memoryLimit = 0)
    {
        // The harness never changes an array it passed or read (keys are generated once, values come
        // from a fixed pool), so FluxMap may skip its defensive copies, as LMDB's reads in place do.
        var options = new FluxMapOptions { Durability = durability, MemoryLimit = memoryLimit, AssumeImmutableKeys = true, AssumeImmutableValues = true };
        if (durability != DurabilityMode.InMemory)
        {
            options.DataDirectory = directory;
        }

        return new FluxMapStore(await FluxDatabase.OpenAsync<byte[], byte[]>(options), options);
    }

    /// <summary>
    /// Vacuums (the garbage of other stores goes in the collection forced before every row), then
    /// checkpoints, which flushes every write-behind buffer into the data file, until one round of
    /// the data file's service has passed with nothing to write: a round after a checkpoint may
    /// still compact the file or page values out, which would otherwise fall into the next row.
    /// </summary>
    public async ValueTask SettleAsync(CancellationToken cancellationToken)
    {
        await _db.VacuumAsync(cancellationToken);
        if (!_dataFile || DataFileActivity.Of(_db.GetStatistics()) == _settled)
        {
            // Nothing committed or paged back in since the data file was last quiet: it still is.
            return;
        }

        while (true)
        {
            await _db.CheckpointAsync(cancellationToken);
            var before = DataFileActivity.Of(_db.GetStatistics());

            // The public API shows no round boundaries, only their effects: two intervals hold at
            // least one whole round (the service's timer ticks every interval).
            await Task.Delay(2 * _round, cancellationToken);
            if (DataFileActivity.Of(_db.GetStatistics()) == before)
            {
                _settled = before;
                return;
            }
        }
    }

    /// <inheritdoc />
    public IStoreSession CreateSession() => this;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(byte[] key)
    {
        var pending = _handle.GetAsync(key);
        return pending.IsCompletedSuccessfully ? new(pending.Result.GetValueOrDefault()) : Await(pending);

        static async ValueTask<byte[]?> Await(ValueTask<FluxValue<byte[]>> pending) => (await pending).GetValueOrDefault();
    }

    /// <inheritdoc />
    public ValueTask PutAsync(byte[] key, byte[] value) => _handle.InsertAsync(key, value);

    /// <inheritdoc />
    public ValueTask DeleteAsync(byte[] key)
    {
        var pending = _handle.RemoveAsync(key);
        return pending.IsCompletedSuccessfully ? ValueTask.CompletedTask : Await(pending);

        static async ValueTask Await(ValueTask<bool> pending) => await pending;
    }

    /// <inheritdoc />
    public async ValueTask<int> ScanAsync(byte[] from, int count)
    {
        var read = 0;
        await foreach (var _ in _handle.ScanAsync(KeyRange<byte[]>.AtLeast(from)))
        {
            if (++read == count)
            {
                break;
            }
        }

        return read;
    }

    /// <inheritdoc />
    public async ValueTask<TransferOutcome> TransferAsync(byte[] from, byte[] to, long amount)
    {
        // The body runs once per attempt; TransactionAsync retries serialization conflicts itself,
        // so the count of runs is the only way to see the retries from outside.
        var attempts = 0;
        try
        {
            await _handle.TransactionAsync(async (tx, ct) =>
            {
                attempts++;
                var payer = await tx.GetAsync(from, ct);
                var payee = await tx.GetAsync(to, ct);
                if (Account.TryMove(payer.GetValueOrDefault(), payee.GetValueOrDefault(), amount, out var newFrom, out var newTo))
                {
                    await tx.InsertAsync(from, newFrom, ct);
                    await tx.InsertAsync(to, newTo, ct);
                }
            });
            return new TransferOutcome(attempts, Committed: true);
        }
        catch (SerializationConflictException)
        {
            return new TransferOutcome(attempts, Committed: false);
        }
    }

    /// <inheritdoc />
    public ValueTask LoadAsync(IReadOnlyList<KeyValuePair<byte[], byte[]>> batch) =>
        _handle.TransactionAsync(async (tx, ct) =>
        {
            foreach (var (key, value) in batch)
            {
                await tx.InsertAsync(key, value, ct);
            }
        });

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    // What gives the data file's service work (commits, values paged back in) and what its rounds change.
    private readonly record struct DataFileActivity(long Commits, long PagedReads, long BytesWritten, long Compactions, long Checkpoints, long PagedOut)
    {
        public static DataFileActivity Of(FluxStatistics statistics) => new(
            statistics.Commits, statistics.PagedReads, statistics.DataFileBytesWritten, statistics.Compactions, statistics.Checkpoints, statistics.PagedOutValues);
    }
}

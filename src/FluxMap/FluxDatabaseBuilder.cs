using System.Diagnostics.Metrics;
using FluxMap.Diagnostics;
using FluxMap.Durability;
using FluxMap.Storage;
using MessagePack;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FluxMap;

/// <summary>Describes a database to open, in the style of the Rust FluxMap builder.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class FluxDatabaseBuilder<TKey, TValue>
    where TKey : notnull
{
    private FluxMapOptions _options = new();
    private IComparer<TKey>? _comparer;
    private IEqualityComparer<TKey>? _equality;
    private TimeProvider _timeProvider = TimeProvider.System;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private MessagePackSerializerOptions? _serializerOptions;
    private StorageSystem _storage = PhysicalStorage.Instance;
    private IMemorySizeEstimator<TKey, TValue>? _sizeEstimator;
    private IMeterFactory? _meterFactory;
    private string _name = "default";
    private IProgress<OpenProgress>? _openProgress;

    internal FluxDatabaseBuilder()
    {
    }

    /// <summary>Uses these options (the builder's other settings still apply).</summary>
    /// <param name="options">The options.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithOptions(FluxMapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        return this;
    }

    /// <summary>Changes the options in place.</summary>
    /// <param name="configure">Sets options.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> Configure(Action<FluxMapOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_options);
        return this;
    }

    /// <summary>Orders keys with <paramref name="comparer"/>.</summary>
    /// <param name="comparer">The key order.</param>
    /// <param name="equality">
    /// Key equality that agrees with <paramref name="comparer"/>; may be omitted when the comparer
    /// implements <see cref="IEqualityComparer{T}"/> itself (as <see cref="StringComparer"/> does).
    /// </param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithComparer(IComparer<TKey> comparer, IEqualityComparer<TKey>? equality = null)
    {
        ArgumentNullException.ThrowIfNull(comparer);
        _comparer = comparer;
        _equality = equality;
        return this;
    }

    /// <summary>Uses <paramref name="timeProvider"/> for every wait and timestamp (tests pass a fake clock).</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        return this;
    }

    /// <summary>Logs through <paramref name="loggerFactory"/> (recovery progress, torn tails, I/O failures).</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithLoggerFactory(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _loggerFactory = loggerFactory;
        return this;
    }

    /// <summary>
    /// Serializes keys and values with these MessagePack options in durable modes. The default,
    /// the contractless standard resolver, handles primitives, strings, byte arrays, collections
    /// and plain public classes.
    /// </summary>
    /// <param name="serializerOptions">The MessagePack options.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithSerializerOptions(MessagePackSerializerOptions serializerOptions)
    {
        ArgumentNullException.ThrowIfNull(serializerOptions);
        _serializerOptions = serializerOptions;
        return this;
    }

    /// <summary>Estimates key and value sizes for <see cref="FluxMapOptions.MemoryLimit"/> with <paramref name="estimator"/> instead of the default.</summary>
    /// <param name="estimator">The estimator.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithSizeEstimator(IMemorySizeEstimator<TKey, TValue> estimator)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        _sizeEstimator = estimator;
        return this;
    }

    /// <summary>Creates the "FluxMap" meter through <paramref name="meterFactory"/> (dependency injection's), instead of a meter of its own.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithMeterFactory(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meterFactory = meterFactory;
        return this;
    }

    /// <summary>Names the database in its metrics (tag <c>fluxmap.database</c>) and log messages. Default "default".</summary>
    /// <param name="name">The name.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _name = name;
        return this;
    }

    /// <summary>
    /// Reports how far a long open has got (data file extents loaded, log segments replayed) to
    /// <paramref name="progress"/>, on the thread that opens. A <see cref="Progress{T}"/> posts the
    /// reports to the synchronization context it was created on.
    /// </summary>
    /// <param name="progress">Receives the reports.</param>
    /// <returns>This builder.</returns>
    public FluxDatabaseBuilder<TKey, TValue> WithOpenProgress(IProgress<OpenProgress> progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        _openProgress = progress;
        return this;
    }

    /// <summary>
    /// Leaves starting and stopping the background services to a host (see
    /// <see cref="FluxDatabase{TKey, TValue}"/>'s hosting integration) instead of opening and disposing.
    /// </summary>
    internal FluxDatabaseBuilder<TKey, TValue> WithExternallyHostedServices()
    {
        ExternallyHosted = true;
        return this;
    }

    /// <summary>
    /// Opens the data directory's files to inspect them (the fluxmap tool), leaving every byte of
    /// the directory as it was: it must exist and hold no open database; nothing is created in it,
    /// not even the lock file; a log tail after the checkpoint is replayed in memory and a torn one
    /// stays on disk. The database refuses every commit with <see cref="InvalidOperationException"/>
    /// and takes no checkpoint, compaction or expired-key sweep. The directory's lock file, where a
    /// database left one, is held shared, so no database opens the directory meanwhile; where there
    /// is none, nothing keeps one from opening it and changing the files under the reader.
    /// </summary>
    internal FluxDatabaseBuilder<TKey, TValue> WithReadOnlyFiles()
    {
        ReadOnlyFiles = true;
        return this;
    }

    /// <summary>Whether the data directory is opened for reading only (see <see cref="WithReadOnlyFiles"/>).</summary>
    internal bool ReadOnlyFiles { get; private set; }

    internal FluxMapOptions Options => _options;

    internal TimeProvider TimeProvider => _timeProvider;

    internal ILoggerFactory LoggerFactory => _loggerFactory;

    internal MessagePackSerializerOptions? SerializerOptions => _serializerOptions;

    internal StorageSystem Storage => _storage;

    internal IMemorySizeEstimator<TKey, TValue>? SizeEstimator => _sizeEstimator;

    internal IMeterFactory? MeterFactory => _meterFactory;

    internal string Name => _name;

    /// <summary>Where open reports its progress; null when nobody asked.</summary>
    internal IProgress<OpenProgress>? OpenProgress => _openProgress;

    internal bool ExternallyHosted { get; private set; }

    /// <summary>Where commits go instead of the write-ahead log's files; null for those.</summary>
    internal ICommitLogSource<TKey, TValue>? CommitLogSource { get; private set; }

    /// <summary>Keeps commits in <paramref name="source"/> instead of the write-ahead log; tests pass a log whose durability they control.</summary>
    internal FluxDatabaseBuilder<TKey, TValue> WithCommitLog(ICommitLogSource<TKey, TValue> source)
    {
        CommitLogSource = source;
        return this;
    }

    /// <summary>Uses another file system; fault-injection tests pass one that fails on demand.</summary>
    internal FluxDatabaseBuilder<TKey, TValue> WithStorage(StorageSystem storage)
    {
        _storage = storage;
        return this;
    }

    /// <summary>Validates the settings and opens the database.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open database.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid; the message says which and why.</exception>
    /// <exception cref="NotSupportedException">
    /// The key type has no order (neither <see cref="IComparable{T}"/> nor <see cref="IComparable"/>)
    /// and no comparer was given, or a durable mode cannot serialize the key or value type.
    /// </exception>
    /// <exception cref="FluxMapIOException">The data directory cannot be used, or another database holds it.</exception>
    /// <exception cref="CorruptionException">The log is damaged where synced data must be.</exception>
    public async ValueTask<FluxDatabase<TKey, TValue>> OpenAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = new FluxMapOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, _options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(FluxMapOptions), result.Failures);
        }

        var keys = KeyOrdering<TKey>.Create(_comparer, _equality, _options.AssumeImmutableKeys);
        using var activity = FluxActivities.Start(FluxActivities.Open, _name);
        FluxActivities.Tag(activity, FluxActivities.DurabilityTag, _options.Durability.ToString());
        try
        {
            // Recovery reads and decodes files: off the caller's thread, cancellable between segments and extents.
            var engine = _options.Durability == DurabilityMode.InMemory
                ? FluxEngine<TKey, TValue>.Open(this, keys, cancellationToken)
                : await Task.Run(() => FluxEngine<TKey, TValue>.Open(this, keys, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (!ExternallyHosted)
            {
                try
                {
                    await engine.StartServicesAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // A half-started database must not keep the directory locked.
                    await engine.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            return new FluxDatabase<TKey, TValue>(engine);
        }
        catch (Exception e) when (activity is not null)
        {
            FluxActivities.Failed(activity, e);
            throw;
        }
    }
}

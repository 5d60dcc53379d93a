using FluxMap.DataFile;
using FluxMap.Diagnostics;
using FluxMap.Durability;
using FluxMap.Serialization;
using FluxMap.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FluxMap.Operations;

/// <summary>
/// Writes one snapshot of a database into a new directory as a data file with a checkpoint at the
/// snapshot's timestamp, so the copy opens as a database (it has no log yet; its first open starts one).
/// </summary>
/// <remarks>
/// The copy is built in a staging folder inside the destination and published by renaming its data
/// file into the destination last: until then the destination holds no database file, so a backup
/// that fails, is cancelled or dies leaves nothing an open would take for a database. Writers never
/// wait for it: the snapshot is a deferrable read-only transaction (see <see cref="SnapshotReader{TKey, TValue}"/>).
/// </remarks>
internal static class SnapshotBackup
{
    /// <summary>The staging folder's name inside the destination; one left by a backup that died is removed by the next.</summary>
    internal const string StagingName = ".fluxmap-backup";

    internal static async Task<BackupResult> RunAsync<TKey, TValue>(
        FluxEngine<TKey, TValue> engine, string destination, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
        where TKey : notnull
    {
        using var activity = FluxActivities.Start(FluxActivities.Backup, engine.Name);
        try
        {
            var result = await CopyAsync(engine, destination, progress, cancellationToken).ConfigureAwait(false);
            FluxActivities.Tag(activity, FluxActivities.BackupSnapshotTag, result.SnapshotTimestamp);
            FluxActivities.Tag(activity, FluxActivities.BackupKeysTag, result.Keys);
            return result;
        }
        catch (Exception e)
        {
            FluxActivities.Failed(activity, e);
            throw;
        }
    }

    private static async Task<BackupResult> CopyAsync<TKey, TValue>(
        FluxEngine<TKey, TValue> engine, string destination, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var codec = engine.FileCodec();
        var target = Path.GetFullPath(destination);
        var created = Prepare(target);
        var staging = Path.Combine(target, StagingName);
        try
        {
            Directory.CreateDirectory(staging);
            var result = await WriteAsync(engine, codec, target, staging, progress, cancellationToken).ConfigureAwait(false);
            var storage = PhysicalStorage.Instance;
            storage.Move(Path.Combine(staging, DataFileFormat.FileName), Path.Combine(target, DataFileFormat.FileName));
            storage.SyncDirectory(target);
            Directory.Delete(staging, recursive: true);
            if (created)
            {
                storage.SyncDirectory(Path.GetDirectoryName(target) ?? target);
            }

            return result;
        }
        catch
        {
            Discard(created ? target : staging);
            throw;
        }
    }

    // The destination must be new or empty (but for a staging folder a dead backup left); says whether it was created.
    private static bool Prepare(string target)
    {
        if (File.Exists(target))
        {
            throw new IOException($"The backup destination '{target}' is a file; give a new or empty directory.");
        }

        if (!Directory.Exists(target))
        {
            Directory.CreateDirectory(target);
            return true;
        }

        var entries = Directory.EnumerateFileSystemEntries(target).Where(e => Path.GetFileName(e) != StagingName).Take(1).ToList();
        if (entries.Count > 0)
        {
            throw new IOException(
                $"The backup destination '{target}' is not empty (it holds '{Path.GetFileName(entries[0])}'); give a new or empty directory, so no database is ever overwritten.");
        }

        Discard(Path.Combine(target, StagingName));
        return false;
    }

    private static async Task<BackupResult> WriteAsync<TKey, TValue>(
        FluxEngine<TKey, TValue> engine, WalCodec<TKey, TValue> codec, string target, string staging, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
        where TKey : notnull
    {
        // One shard: the copy is written by this one caller, in key order.
        var options = new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = staging, WriteBehindShards = 1 };
        using var dataFile = DataFileStore<TKey, TValue>.Open(
            PhysicalStorage.Instance, staging, options, codec, engine.Keys, NullLogger.Instance, new EngineCounters(), NewFile<TKey, TValue>.Instance, progress: null, readOnly: false, cancellationToken);
        var estimated = Volatile.Read(ref engine.Counters.LiveKeys);
        var snapshot = await SnapshotReader<TKey, TValue>.OpenAsync(engine, cancellationToken).ConfigureAwait(false);
        await using var release = snapshot.ConfigureAwait(false);
        var timestamp = snapshot.Timestamp;
        long keys = 0, bytes = 0, batch = 0;
        await foreach (var entry in snapshot.ReadAsync(KeyRange<TKey>.All, cancellationToken).ConfigureAwait(false))
        {
            // Every record carries the snapshot's timestamp: the copy's history starts there.
            var payload = codec.EncodeSingle(entry.Key, entry.Value, isDelete: false, entry.ExpiresAt);
            dataFile.Accept(CommitRecord<TKey, TValue>.ForSingle(timestamp, payload, entry.Key));
            keys++;
            bytes += payload.Length;
            if (++batch == dataFile.MaxBatchEntries)
            {
                batch = 0;
                await dataFile.FlushAllAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(new BackupProgress { KeysWritten = keys, BytesWritten = bytes, EstimatedKeys = estimated });
            }
        }

        await dataFile.CheckpointAsync(flushFirst: true, cancellationToken).ConfigureAwait(false);
        await dataFile.CloseAsync().ConfigureAwait(false);
        progress?.Report(new BackupProgress { KeysWritten = keys, BytesWritten = bytes, EstimatedKeys = estimated });
        return new BackupResult { Destination = target, SnapshotTimestamp = timestamp, Keys = keys, Bytes = bytes };
    }

    private static void Discard(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>The loader of a data file created empty: it is never handed a record.</summary>
file sealed class NewFile<TKey, TValue> : IRecordLoader<TKey, TValue>
{
    internal static readonly NewFile<TKey, TValue> Instance = new();

    public void Reserve(int keys)
    {
    }

    public void Load(TKey key, long timestamp, TValue value, long expiresAt, PagedVersion<TValue>? paged) =>
        throw new InvalidOperationException("A new data file holds no records to load.");
}

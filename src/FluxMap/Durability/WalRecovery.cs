using System.Buffers.Binary;
using System.Diagnostics;
using FluxMap.Diagnostics;
using FluxMap.Serialization;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FluxMap.Durability;

/// <summary>
/// Replays the write-ahead log at open and leaves it ready for appending (a read-only open only
/// replays it). Records are applied in LSN order across segments. Where the log stops being
/// valid, the records after that point tell torn from damaged: each record carries the LSN that
/// was durable when it was written, so if any later record says the missing LSN had been synced,
/// the damage hit synced data (corruption); otherwise it is the unsynced tail of a crash, which is
/// cut off and overwritten.
/// A checkpoint releases the segments it covers, so the log may start anywhere at or below the
/// checkpoint's LSN. Recycled segments hold records of their previous life after their own; those
/// have lower LSNs than anything the log still expects, so they never continue the chain and never
/// count as claims.
/// </summary>
internal sealed class WalRecovery<TKey, TValue>(
    StorageSystem storage, string directory, FluxMapOptions options, WalCodec<TKey, TValue> codec, ILogger logger)
    where TKey : notnull
{
    private byte[]? _segmentBuffer;
    private byte[]? _probeBuffer;

    /// <summary>
    /// Replays every valid commit after <paramref name="afterLsn"/> (the checkpoint: everything up
    /// to it is safe elsewhere) into <paramref name="apply"/>, reporting each segment replayed to
    /// <paramref name="progress"/>, then cuts off a torn tail and opens the segment to append to.
    /// </summary>
    internal WalRecoveryResult Recover(long afterLsn, ReplayWrite<TKey, TValue> apply, IProgress<OpenProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var end = Replay(afterLsn, apply, progress, cancellationToken);
        return new WalRecoveryResult(Reopen(end), end.LastLsn, end.Finished, end.Pool);
    }

    /// <summary>
    /// Replays as <see cref="Recover"/> does, with the same checks, and writes nothing: a torn tail
    /// stays on disk as it is, and no segment is opened or created. For a read-only open.
    /// </summary>
    /// <returns>The newest commit replayed, or <paramref name="afterLsn"/> when there was none.</returns>
    internal long ReplayWithoutRepair(long afterLsn, ReplayWrite<TKey, TValue> apply, IProgress<OpenProgress>? progress, CancellationToken cancellationToken) =>
        Replay(afterLsn, apply, progress, cancellationToken).LastLsn;

    private LogEnd Replay(long afterLsn, ReplayWrite<TKey, TValue> apply, IProgress<OpenProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var sequences = WalFileName.Segment.List(storage, directory);
        var pool = WalFileName.Pool.List(storage, directory)
            .Select(sequence => new WalPoolFile(sequence, LengthOf(WalFileName.Pool.Path(directory, sequence))))
            .ToList();
        var heads = sequences.Select(ReadHead).ToList();

        // The log starts in the last segment whose first record is at or below the checkpoint's
        // successor: the segments before it hold only what the checkpoint covers (a crash while
        // they were being released left them back), and checking them would gain nothing.
        var start = heads.FindLastIndex(head => head.FirstLsn > 0 && head.FirstLsn <= afterLsn + 1);
        if (start < 0 && heads.Count > 0 && heads[0].FirstLsn > afterLsn + 1)
        {
            var path = SegmentPath(sequences[0]);
            throw new CorruptionException(
                $"The write-ahead log in '{directory}' is missing the commits right after the checkpoint at LSN {afterLsn}: its oldest record, in '{path}' at offset {WalFormat.SegmentHeaderSize}, " +
                $"has LSN {heads[0].FirstLsn}, so LSNs {afterLsn + 1}..{heads[0].FirstLsn - 1} are in neither the log nor the checkpoint and cannot be recovered. Restore from a backup.",
                path,
                WalFormat.SegmentHeaderSize);
        }

        var expected = start < 0 ? afterLsn + 1 : heads[start].FirstLsn;
        start = Math.Max(start, 0);
        var finished = sequences.Take(start).Select((sequence, i) => new WalSegmentInfo(sequence, expected - 1, heads[i].Length)).ToList();
        long applied = 0;
        var replaying = PhaseProgress.Start(progress, OpenPhase.ReplayingLog, sequences.Count - start);
        for (var i = start; i < sequences.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = SegmentPath(sequences[i]);
            var data = ReadAll(path, ref _segmentBuffer);
            var headerValid = WalFormat.IsSegmentHeader(data, sequences[i]);
            var offset = WalFormat.SegmentHeaderSize;
            while (headerValid && WalFormat.TryReadRecord(data, offset, expected, out var record) && record.Lsn == expected)
            {
                // Records the checkpoint covers only carry the chain to the first one it does not.
                if (record.Lsn > afterLsn)
                {
                    Apply(path, data, record, apply);
                    applied++;
                }

                expected++;
                offset = record.End;
            }

            replaying?.Advance();

            // The log goes on in the next segment where a rotation left this one's tail empty.
            if (i + 1 < sequences.Count && heads[i + 1].FirstLsn == expected)
            {
                finished.Add(new WalSegmentInfo(sequences[i], expected - 1, data.Count));
                continue;
            }

            // The log ends cleanly where only zeros follow the last record or, in a recycled file,
            // where its end mark does and nothing after the mark is newer than the last record.
            var stop = headerValid ? offset : 0;
            var tailClaim = ProbeClaims(data, stop, expected);
            var endsCleanly = IsZero(data.AsSpan(stop)) ||
                (headerValid && WalFormat.IsRecycled(data) && tailClaim < 0 && IsZero(data.AsSpan(stop, Math.Min(WalFormat.RecordHeaderSize, data.Count - stop))));
            var claimed = Math.Max(tailClaim, LaterClaims(sequences.Skip(i + 1), expected));
            var lastLsn = Math.Max(expected - 1, afterLsn);
            if (claimed > lastLsn)
            {
                // Where this segment ended cleanly, the damage is at the start of the next one.
                var (damagedPath, damagedOffset) = headerValid && endsCleanly && i + 1 < sequences.Count
                    ? (SegmentPath(sequences[i + 1]), (long)WalFormat.SegmentHeaderSize)
                    : (path, stop);
                if (!options.RecoverToLastValidRecord)
                {
                    throw new CorruptionException(
                        $"The write-ahead log is damaged in '{damagedPath}' at offset {damagedOffset}: the record for LSN {lastLsn + 1} is missing or invalid, " +
                        $"yet a later record says LSNs up to {claimed} had been synced. Restore from a backup, or set RecoverToLastValidRecord to open up to LSN {lastLsn} and lose the rest.",
                        damagedPath,
                        damagedOffset);
                }

                Log.WalDataLoss(logger, damagedPath, damagedOffset, lastLsn);
            }
            else if (!endsCleanly || i + 1 < sequences.Count)
            {
                Log.WalTornTail(logger, path, stop, lastLsn);
            }

            Log.WalRecovered(logger, applied, directory, lastLsn, watch.ElapsedMilliseconds);
            return new LogEnd(sequences, i, headerValid, stop, data.Count, endsCleanly, expected - 1 < afterLsn, lastLsn, finished, pool);
        }

        Log.WalRecovered(logger, applied, directory, afterLsn, watch.ElapsedMilliseconds);
        return new LogEnd(sequences, -1, false, 0, 0, true, false, afterLsn, finished, pool);
    }

    // Leaves the log ready for appending where replay found its end.
    private WalSegment Reopen(LogEnd end)
    {
        if (end.Index < 0)
        {
            // No segment at all: the log starts after the checkpoint, numbered past every pooled file
            // so that retiring the new segment never meets a pool name already taken.
            var sequence = end.Pool.Select(file => file.Sequence).Append(0).Max() + 1;
            return WalSegment.Create(storage, directory, sequence, options.WalSegmentSize);
        }

        var segment = Truncate(end.Sequences, end.Index, end.HeaderValid, end.Stop, end.Length, end.EndsCleanly);
        if (end.EndsBeforeCheckpoint && segment.Position > WalFormat.SegmentHeaderSize)
        {
            // The log ends before the checkpoint does (the checkpoint took commits the log had
            // not synced): the next record, afterLsn + 1, would not continue this segment's
            // chain. Left looking full, the segment makes the writer start a new one for it,
            // and a crash before that finds the log just as it is now.
            segment.Position = segment.Length;
        }

        return segment;
    }

    /// <summary>
    /// Refuses the open before anything is written when a log file (a segment or a pooled one,
    /// which a rotation would write over) is not one FluxMap wrote or is of another format version.
    /// Call it before <see cref="Recover"/>, which repairs what it reads as a torn tail.
    /// </summary>
    /// <exception cref="CorruptionException">A file that is not ours, or of another format; the message names it.</exception>
    internal void CheckFiles()
    {
        var paths = WalFileName.Segment.List(storage, directory).Select(SegmentPath)
            .Concat(WalFileName.Pool.List(storage, directory).Select(sequence => WalFileName.Pool.Path(directory, sequence)));
        var head = new byte[WalFormat.SegmentHeaderSize];
        foreach (var path in paths)
        {
            bool headerWritten;
            using (var file = storage.OpenRead(path))
            {
                headerWritten = file.Read(head, 0) == head.Length && WalFormat.CheckIdentity(head, path);
            }

            // No header: a segment whose creation a crash cut short holds nothing but zeros.
            if (!headerWritten)
            {
                _ = WalFormat.CheckIdentity(ReadAll(path, ref _probeBuffer), path);
            }
        }
    }

    private static bool IsZero(ReadOnlySpan<byte> data) => !data.ContainsAnyExcept((byte)0);

    // The highest "durable up to" claim among valid records from `from` on that are not older than
    // `expected`, or -1 when there is none. Probes every offset: a damaged record hides where the
    // next one starts. Zeroed tails hold no records; old records of a recycled file are older.
    private static long ProbeClaims(ArraySegment<byte> data, int from, long expected)
    {
        var claimed = -1L;
        var end = data.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
        for (var offset = Math.Max(from, WalFormat.SegmentHeaderSize); offset < end; offset++)
        {
            if (WalFormat.TryReadRecord(data, offset, expected, out var record))
            {
                claimed = Math.Max(claimed, record.DurableLsn);
            }
        }

        return claimed;
    }

    private void Apply(string path, ArraySegment<byte> data, WalRecordView record, ReplayWrite<TKey, TValue> apply)
    {
        try
        {
            codec.ReadPayload(data.AsMemory(record.PayloadOffset, record.End - record.PayloadOffset), record.Lsn, apply);
        }
        catch (MessagePackSerializationException e)
        {
            throw new CorruptionException(
                $"The commit with LSN {record.Lsn} in '{path}' at offset {record.Offset} passes its checksum but cannot be read as {TypeName.Readable(typeof(TKey))} keys and {TypeName.Readable(typeof(TValue))} values " +
                $"({e.GetBaseException().Message}). Was the database written with other key or value types, or other serializer options?",
                path,
                record.Offset);
        }
    }

    // Cuts the log at (segment index, offset): zeroes the rest of that segment unless it ended
    // cleanly, deletes every later one, and returns the segment opened for appending at the cut.
    private WalSegment Truncate(List<long> sequences, int index, bool headerValid, int stop, int length, bool endsCleanly)
    {
        foreach (var later in sequences.Skip(index + 1))
        {
            storage.Delete(SegmentPath(later));
        }

        if (!headerValid)
        {
            storage.Delete(SegmentPath(sequences[index]));
            storage.SyncDirectory(directory);
            return WalSegment.Create(storage, directory, sequences[index], options.WalSegmentSize);
        }

        var file = storage.Open(SegmentPath(sequences[index]), create: false);
        try
        {
            if (!endsCleanly)
            {
                file.SetLength(stop);
                file.SetLength(Math.Max(length, options.WalSegmentSize));
            }

            // What recovery read may have been only in the OS cache (a process crash, not a power
            // loss): sync it before it is published or claimed durable by new records.
            file.Sync();
            storage.SyncDirectory(directory);
            return new WalSegment(file, sequences[index], stop);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    // The highest claim in later segments: their first record may be the damaged one, which hides
    // where the next starts, so every offset is probed.
    private long LaterClaims(IEnumerable<long> laterSequences, long expected)
    {
        var claimed = -1L;
        foreach (var sequence in laterSequences)
        {
            claimed = Math.Max(claimed, ProbeClaims(ReadAll(SegmentPath(sequence), ref _probeBuffer), WalFormat.SegmentHeaderSize, expected));
        }

        return claimed;
    }

    // The LSN of a segment's first record (0 when its header or that record is not valid) and the
    // file's length; reads only that record, so finding where the log starts stays cheap.
    private (long FirstLsn, long Length) ReadHead(long sequence)
    {
        using var file = storage.OpenRead(SegmentPath(sequence));
        var fileLength = file.Length;
        var head = new byte[WalFormat.SegmentHeaderSize + WalFormat.RecordHeaderSize];
        if (file.Read(head, 0) < head.Length || !WalFormat.IsSegmentHeader(head, sequence))
        {
            return (0, fileLength);
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(WalFormat.SegmentHeaderSize));
        if (length > fileLength - head.Length)
        {
            return (0, fileLength);
        }

        var data = new byte[head.Length + length];
        return file.Read(data, 0) == data.Length && WalFormat.TryReadRecord(data, WalFormat.SegmentHeaderSize, 1, out var record)
            ? (record.Lsn, fileLength)
            : (0, fileLength);
    }

    private long LengthOf(string path)
    {
        using var file = storage.OpenRead(path);
        return file.Length;
    }

    // Reads a whole segment into a buffer kept across segments: a fresh array per segment costs
    // a page fault per 4 KiB on first touch, which dominated replay of large segments.
    private ArraySegment<byte> ReadAll(string path, ref byte[]? buffer)
    {
        using var file = storage.OpenRead(path);
        var length = checked((int)file.Length);
        if (buffer is null || buffer.Length < length)
        {
            buffer = new byte[length];
        }

        return new ArraySegment<byte>(buffer, 0, file.Read(buffer.AsSpan(0, length), 0));
    }

    private string SegmentPath(long sequence) => WalFileName.Segment.Path(directory, sequence);

    // Where replay found the log's end: the segment (Index into Sequences; -1 when there is none),
    // whether its header is valid, where its chain stops, its length, whether only an end follows,
    // and whether the log ends below the checkpoint; with what the writer must account for.
    private sealed record LogEnd(
        List<long> Sequences,
        int Index,
        bool HeaderValid,
        int Stop,
        int Length,
        bool EndsCleanly,
        bool EndsBeforeCheckpoint,
        long LastLsn,
        IReadOnlyList<WalSegmentInfo> Finished,
        IReadOnlyList<WalPoolFile> Pool);
}

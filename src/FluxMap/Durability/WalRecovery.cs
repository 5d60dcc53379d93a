using System.Diagnostics;
using FluxMap.Diagnostics;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace FluxMap.Durability;

/// <summary>
/// Replays the write-ahead log at open and leaves it ready for appending. Records are applied in
/// LSN order across segments. Where the log stops being valid, the records after that point tell
/// torn from damaged: each record carries the LSN that was durable when it was written, so if any
/// later record says the missing LSN had been synced, the damage hit synced data (corruption);
/// otherwise it is the unsynced tail of a crash, which is cut off and overwritten.
/// </summary>
internal sealed class WalRecovery<TKey, TValue>(
    StorageSystem storage, string directory, FluxMapOptions options, WalCodec<TKey, TValue> codec, ILogger logger)
    where TKey : notnull
{
    private byte[]? _segmentBuffer;
    private byte[]? _probeBuffer;

    /// <summary>Replays every valid commit after <paramref name="afterLsn"/> into <paramref name="apply"/>.</summary>
    /// <returns>The segment to append to and the last LSN recovered.</returns>
    internal (WalSegment Segment, long LastLsn) Recover(long afterLsn, ReplayWrite<TKey, TValue> apply)
    {
        var watch = Stopwatch.StartNew();
        var sequences = storage.ListFiles(directory, "wal-*.log")
            .Select(name => WalFormat.TryParseSegmentName(name, out var sequence) ? sequence : -1)
            .Where(sequence => sequence >= 0)
            .Order()
            .ToList();
        var expected = afterLsn + 1;
        long applied = 0;
        for (var i = 0; i < sequences.Count; i++)
        {
            var path = SegmentPath(sequences[i]);
            var data = ReadAll(path, ref _segmentBuffer);
            var headerValid = WalFormat.IsSegmentHeader(data, sequences[i]);
            if (headerValid && WalFormat.ReadFormatVersion(data) != WalFormat.FormatVersion)
            {
                throw new CorruptionException($"The write-ahead log segment '{path}' has format version {WalFormat.ReadFormatVersion(data)}; this FluxMap reads version {WalFormat.FormatVersion}.", path, 8);
            }

            var offset = WalFormat.SegmentHeaderSize;
            while (headerValid && WalFormat.TryReadRecord(data, offset, expected, out var record) && record.Lsn == expected)
            {
                try
                {
                    codec.ReadPayload(data.AsMemory(record.PayloadOffset, record.End - record.PayloadOffset), record.Lsn, apply);
                }
                catch (MessagePackSerializationException e)
                {
                    throw new CorruptionException(
                        $"The commit with LSN {record.Lsn} in '{path}' at offset {offset} passes its checksum but cannot be read as {typeof(TKey).Name} keys and {typeof(TValue).Name} values " +
                        $"({e.GetBaseException().Message}). Was the database written with other key or value types, or other serializer options?",
                        path,
                        offset);
                }

                expected++;
                applied++;
                offset = record.End;
            }

            // The log goes on in the next segment where a rotation left this one's tail empty.
            if (i + 1 < sequences.Count && StartsWith(sequences[i + 1], expected))
            {
                continue;
            }

            var stop = headerValid ? offset : 0;
            var claimed = LatestDurableClaim(data, stop + 1, sequences.Skip(i + 1), expected);
            if (claimed >= expected)
            {
                // Where this segment ended cleanly, the damage is at the start of the next one.
                var (damagedPath, damagedOffset) = headerValid && IsZero(data.AsSpan(stop)) && i + 1 < sequences.Count
                    ? (SegmentPath(sequences[i + 1]), (long)WalFormat.SegmentHeaderSize)
                    : (path, stop);
                if (!options.RecoverToLastValidRecord)
                {
                    throw new CorruptionException(
                        $"The write-ahead log is damaged in '{damagedPath}' at offset {damagedOffset}: the record for LSN {expected} is missing or invalid, " +
                        $"yet a later record says LSNs up to {claimed} had been synced. Restore from a backup, or set RecoverToLastValidRecord to open up to LSN {expected - 1} and lose the rest.",
                        damagedPath,
                        damagedOffset);
                }

                Log.WalDataLoss(logger, damagedPath, damagedOffset, expected - 1);
            }
            else if (!IsZero(data.AsSpan(Math.Min(stop, data.Count))) || i + 1 < sequences.Count)
            {
                Log.WalTornTail(logger, path, stop, expected - 1);
            }

            var segment = Truncate(sequences, i, headerValid, stop, data.Count, IsZero(data.AsSpan(Math.Min(stop, data.Count))));
            Log.WalRecovered(logger, applied, directory, expected - 1, watch.ElapsedMilliseconds);
            return (segment, expected - 1);
        }

        Log.WalRecovered(logger, applied, directory, expected - 1, watch.ElapsedMilliseconds);
        return (WalSegment.Create(storage, directory, 1, options.WalSegmentSize), expected - 1);
    }

    private static bool IsZero(ReadOnlySpan<byte> data) => !data.ContainsAnyExcept((byte)0);

    // Cuts the log at (segment index, offset): zeroes the rest of that segment, deletes every later
    // one, and returns the segment opened for appending at the cut.
    private WalSegment Truncate(List<long> sequences, int index, bool headerValid, int stop, int length, bool tailIsZero)
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
            if (!tailIsZero)
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

    // The highest "durable up to" claim among valid records after the stop point.
    private long LatestDurableClaim(ArraySegment<byte> data, int from, IEnumerable<long> laterSequences, long expected)
    {
        // Probe every offset: a damaged record hides where the next one starts (in later segments
        // too: their first record may be the damaged one). Zeroed tails hold no records.
        var claimed = ProbeClaims(data, Math.Max(from, WalFormat.SegmentHeaderSize), expected);
        foreach (var sequence in laterSequences)
        {
            claimed = Math.Max(claimed, ProbeClaims(ReadAll(SegmentPath(sequence), ref _probeBuffer), WalFormat.SegmentHeaderSize, expected));
        }

        return claimed;
    }

    // Whether a segment's first record carries the LSN the log expects next; reads only that record.
    private static long ProbeClaims(ArraySegment<byte> data, int from, long expected)
    {
        var claimed = 0L;
        var end = data.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
        for (var offset = from; offset < end; offset++)
        {
            if (WalFormat.TryReadRecord(data, offset, expected, out var record))
            {
                claimed = Math.Max(claimed, record.DurableLsn);
            }
        }

        return claimed;
    }

    private bool StartsWith(long sequence, long expectedLsn)
    {
        using var file = storage.Open(SegmentPath(sequence), create: false);
        var head = new byte[WalFormat.SegmentHeaderSize + WalFormat.RecordHeaderSize];
        if (file.Read(head, 0) < head.Length || !WalFormat.IsSegmentHeader(head, sequence))
        {
            return false;
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(WalFormat.SegmentHeaderSize));
        if (length > file.Length - head.Length)
        {
            return false;
        }

        var data = new byte[head.Length + length];
        return file.Read(data, 0) == data.Length &&
            WalFormat.TryReadRecord(data, WalFormat.SegmentHeaderSize, expectedLsn, out var record) && record.Lsn == expectedLsn;
    }

    // Reads a whole segment into a buffer kept across segments: a fresh array per segment costs
    // a page fault per 4 KiB on first touch, which dominated replay of large segments.
    private ArraySegment<byte> ReadAll(string path, ref byte[]? buffer)
    {
        using var file = storage.Open(path, create: false);
        var length = checked((int)file.Length);
        if (buffer is null || buffer.Length < length)
        {
            buffer = new byte[length];
        }

        return new ArraySegment<byte>(buffer, 0, file.Read(buffer.AsSpan(0, length), 0));
    }

    private string SegmentPath(long sequence) => Path.Combine(directory, WalFormat.SegmentName(sequence));
}

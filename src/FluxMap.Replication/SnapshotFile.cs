using System.Buffers.Binary;
using System.Globalization;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace FluxMap.Replication;

/// <summary>
/// A Raft snapshot of a replicated FluxMap: every live key at one commit, as chunks of the
/// write-ahead log's MessagePack payloads, in a file named by its Raft index and term. It stands
/// for the log up to <see cref="Index"/>; it may hold commits of later entries too (a replica's
/// snapshot is taken at its newest visible commit), which applying those entries again skips. It
/// also carries the safe point the log up to <see cref="Index"/> gave (see <see cref="SafeSnapshotTracker"/>):
/// a member that installs it learns from it what only the compacted entries' horizons said.
/// </summary>
/// <remarks>Layout: magic "FMSN", version (1 byte), commit (8), safe point (8), then chunks of length (4) and payload.</remarks>
internal sealed class SnapshotFile : ISnapshot
{
    internal const string Extension = ".snapshot";
    private const uint Magic = 0x4E534D46; // "FMSN"
    private const byte Version = 2;
    internal const int HeaderSize = 4 + 1 + 8 + 8;

    private readonly Action<SnapshotFile>? _resent;
    private int _transfers;

    private SnapshotFile(string path, long index, long term, long commit, long safe, Action<SnapshotFile>? resent)
    {
        _resent = resent;
        Path = path;
        Index = index;
        Term = term;
        Commit = commit;
        Safe = safe;
    }

    internal string Path { get; }

    /// <summary>Gets the newest commit the snapshot holds.</summary>
    internal long Commit { get; }

    /// <summary>Gets the newest commit known safe to show once the log up to <see cref="Index"/> is applied; at most <see cref="Commit"/>.</summary>
    internal long Safe { get; }

    public long Index { get; }

    public long Term { get; }

    public long? Length => new FileInfo(Path).Length;

    public bool IsReusable => true;

    public int? CommandId => null;

    public bool IsConfiguration => false;

    internal static string NameFor(string directory, long index, long term) =>
        System.IO.Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{index:D19}-{term}{Extension}"));

    /// <summary>The newest complete snapshot in <paramref name="directory"/>, or null.</summary>
    internal static SnapshotFile? Newest(string directory, Action<SnapshotFile>? resent = null) =>
        Directory.EnumerateFiles(directory, "*" + Extension)
            .Select(path => Open(path, resent))
            .MaxBy(s => s.Index);

    /// <summary>Opens the snapshot at <paramref name="path"/>; <paramref name="resent"/> is told each time it is sent to a member after the first.</summary>
    internal static SnapshotFile Open(string path, Action<SnapshotFile>? resent = null)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(path).Split('-');
        Span<byte> header = stackalloc byte[HeaderSize];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic || header[4] != Version || name.Length != 2)
        {
            throw new InvalidDataException($"'{path}' is not a FluxMap snapshot of format version {Version}.");
        }

        return new SnapshotFile(
            path,
            long.Parse(name[0], CultureInfo.InvariantCulture),
            long.Parse(name[1], CultureInfo.InvariantCulture),
            BinaryPrimitives.ReadInt64LittleEndian(header[5..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[13..]),
            resent);
    }

    internal static void WriteHeader(Stream output, long commit, long safe)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        header[4] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(header[5..], commit);
        BinaryPrimitives.WriteInt64LittleEndian(header[13..], safe);
        output.Write(header);
    }

    internal static void WriteChunk(Stream output, byte[] payload)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, payload.Length);
        output.Write(length);
        output.Write(payload);
    }

    /// <summary>Reads the chunks back, one payload at a time.</summary>
    internal IEnumerable<byte[]> ReadChunks()
    {
        using var file = File.OpenRead(Path);
        file.Seek(HeaderSize, SeekOrigin.Begin);
        var length = new byte[4];
        while (file.Position < file.Length)
        {
            file.ReadExactly(length);
            var chunk = new byte[BinaryPrimitives.ReadInt32LittleEndian(length)];
            file.ReadExactly(chunk);
            yield return chunk;
        }
    }

    public async ValueTask WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
        where TWriter : notnull, IAsyncBinaryWriter
    {
        var stream = File.OpenRead(Path);
        await using (stream.ConfigureAwait(false))
        {
            await writer.CopyFromAsync(stream, count: null, token).ConfigureAwait(false);
        }

        if (Interlocked.Increment(ref _transfers) > 1)
        {
            _resent?.Invoke(this);
        }
    }
}

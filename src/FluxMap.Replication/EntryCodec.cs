using System.Buffers;
using System.Buffers.Binary;

namespace FluxMap.Replication;

/// <summary>
/// One Raft log entry of a replicated FluxMap: the leader's horizon when the entry was cut and
/// the commits it carries, in timestamp order, each with its earliest out-conflict and its
/// payload exactly as the committing caller encoded it (the write-ahead log's MessagePack). This
/// is a wire and disk format: the first byte is its version.
/// </summary>
/// <remarks>Layout: version (1 byte), horizon (8), count (4), then per commit: timestamp (8), out-conflict (8), length (4), payload.</remarks>
internal static class EntryCodec
{
    private const byte Version = 1;
    private const int HeaderSize = 1 + 8 + 4;
    private const int CommitHeaderSize = 8 + 8 + 4;

    internal static byte[] Encode(long horizon, IReadOnlyList<ReplicatedCommit> commits)
    {
        var size = HeaderSize;
        foreach (var commit in commits)
        {
            size += CommitHeaderSize + commit.Payload.Length;
        }

        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], horizon);
        BinaryPrimitives.WriteInt32LittleEndian(span[9..], commits.Count);
        var offset = HeaderSize;
        foreach (var commit in commits)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[offset..], commit.Timestamp);
            BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 8)..], commit.OutConflict);
            BinaryPrimitives.WriteInt32LittleEndian(span[(offset + 16)..], commit.Payload.Length);
            commit.Payload.CopyTo(span[(offset + CommitHeaderSize)..]);
            offset += CommitHeaderSize + commit.Payload.Length;
        }

        return buffer;
    }

    /// <exception cref="InvalidDataException">The entry is not one this version writes.</exception>
    internal static (long Horizon, List<ReplicatedCommit> Commits) Decode(ReadOnlySequence<byte> entry)
    {
        var bytes = entry.IsSingleSegment ? entry.First.Span : entry.ToArray();
        if (bytes.Length < HeaderSize || bytes[0] != Version)
        {
            throw new InvalidDataException($"A Raft log entry of {bytes.Length} bytes is not a FluxMap commit entry of format version {Version}.");
        }

        var horizon = BinaryPrimitives.ReadInt64LittleEndian(bytes[1..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[9..]);
        var commits = new List<ReplicatedCommit>(count);
        var offset = HeaderSize;
        for (var i = 0; i < count; i++)
        {
            var timestamp = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
            var outConflict = BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 8)..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[(offset + 16)..]);
            offset += CommitHeaderSize;
            commits.Add(new ReplicatedCommit(timestamp, outConflict, bytes.Slice(offset, length).ToArray()));
            offset += length;
        }

        return (horizon, commits);
    }
}

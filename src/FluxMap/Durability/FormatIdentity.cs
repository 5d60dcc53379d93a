using System.Buffers.Binary;

namespace FluxMap.Durability;

/// <summary>
/// Tells, from a file's first bytes, whether FluxMap wrote it: the log's segments and the data
/// file both start with an eight-byte magic and a format version (u32, little-endian). Open checks
/// every file before it writes anything, so a file that is not ours, or of a format this build
/// cannot read, is refused instead of being repaired over.
/// </summary>
internal static class FormatIdentity
{
    private const int VersionOffset = 8;

    /// <summary>
    /// Whether <paramref name="start"/> begins with <paramref name="magic"/> and a format version
    /// this build reads (true), or is the remains of a header never written (false): a crash while
    /// the file was created leaves zeros, at most after part of the magic.
    /// </summary>
    /// <param name="start">The file's first bytes: for a header never written, all of those that must be zeros.</param>
    /// <param name="magic">The eight bytes the file kind starts with.</param>
    /// <param name="formatVersion">The format version this build reads and writes.</param>
    /// <param name="path">The file, for the error.</param>
    /// <param name="kind">What the file would be, for the error ("write-ahead log segment").</param>
    /// <exception cref="CorruptionException">The file is not ours, or of another format version.</exception>
    internal static bool Check(ReadOnlySpan<byte> start, ReadOnlySpan<byte> magic, int formatVersion, string path, string kind)
    {
        if (start.Length >= magic.Length + sizeof(uint) && start.StartsWith(magic))
        {
            // Zero: the magic reached the disk and the rest of the header did not.
            var version = BinaryPrimitives.ReadUInt32LittleEndian(start[VersionOffset..]);
            if (version == 0)
            {
                return IsUnwritten(start, magic, path, kind);
            }

            return version == formatVersion ? true : throw new CorruptionException(
                $"The {kind} '{path}' has format version {version}; this FluxMap reads version {formatVersion} only" +
                (version > formatVersion ? ", so a newer FluxMap wrote it. Open it with that version." : "."),
                path,
                VersionOffset);
        }

        return IsUnwritten(start, magic, path, kind);
    }

    private static bool IsUnwritten(ReadOnlySpan<byte> start, ReadOnlySpan<byte> magic, string path, string kind)
    {
        var written = 0;
        while (written < Math.Min(start.Length, magic.Length) && start[written] == magic[written])
        {
            written++;
        }

        return !start[written..].ContainsAnyExcept((byte)0) ? false : throw new CorruptionException(
            $"'{path}' is not a FluxMap {kind}: it does not start with the header \"{System.Text.Encoding.ASCII.GetString(magic)}\". " +
            "FluxMap writes nothing over a file it did not write: move the file out of the data directory, or use another DataDirectory.",
            path,
            0);
    }
}

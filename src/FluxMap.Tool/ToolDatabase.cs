using FluxMap.DataFile;

namespace FluxMap.Tool;

/// <summary>
/// Opens a database directory with keys and values read as raw MessagePack. The inspecting commands
/// (info, verify, dump, export) open it read-only: the directory stays byte for byte as it was, a
/// log tail a crash left is replayed in memory only, and a directory another process holds is
/// refused. Backup and import open it as the engine does: they take its lock, and a directory a
/// crash left is recovered as by any open. Neither sweeps expired keys or runs vacuum.
/// </summary>
internal static class ToolDatabase
{
    /// <summary>The full path of <paramref name="directory"/> if it holds a database's files.</summary>
    /// <exception cref="ToolException">It does not exist, or holds neither a data file nor a log segment.</exception>
    internal static string Existing(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new ToolException($"There is no directory '{full}'.");
        }

        if (!File.Exists(Path.Combine(full, DataFileFormat.FileName)) && !Directory.EnumerateFiles(full, "wal-*.log").Any())
        {
            throw new ToolException($"'{full}' holds no FluxMap database: it has no {DataFileFormat.FileName} and no wal-*.log.");
        }

        return full;
    }

    /// <summary>Opens the database to read it, changing nothing in <paramref name="directory"/>; it refuses every commit.</summary>
    internal static ValueTask<FluxDatabase<MessagePackKey, MessagePackValue>> InspectAsync(string directory, CancellationToken cancellationToken) =>
        Builder(directory).WithReadOnlyFiles().OpenAsync(cancellationToken);

    /// <summary>Opens the database to write it (import) or to back it up, as an application opens it.</summary>
    internal static ValueTask<FluxDatabase<MessagePackKey, MessagePackValue>> OpenAsync(string directory, CancellationToken cancellationToken) =>
        Builder(directory).OpenAsync(cancellationToken);

    private static FluxDatabaseBuilder<MessagePackKey, MessagePackValue> Builder(string directory) =>
        FluxDatabase.CreateBuilder<MessagePackKey, MessagePackValue>()
            .WithOptions(new FluxMapOptions
            {
                Durability = DurabilityMode.Relaxed,
                DataDirectory = directory,
                VacuumInterval = TimeSpan.Zero,
                ExpirationSweepInterval = TimeSpan.Zero,
                AssumeImmutableValues = true,
            })
            .WithSerializerOptions(RawFormatters.MessagePackOptions)
            .WithName("fluxmap-tool");

    /// <summary>The keys to export or dump: strings starting with <paramref name="prefix"/>, or from and to (inclusive, string keys), or all.</summary>
    internal static KeyRange<MessagePackKey> Range(string? prefix, string? from, string? to)
    {
        if (prefix is not null && (from is not null || to is not null))
        {
            throw new ToolException("Give either --prefix or --from/--to, not both.");
        }

        if (from is not null && to is not null && string.CompareOrdinal(from, to) > 0)
        {
            throw new ToolException($"--from \"{from}\" comes after --to \"{to}\" in key order, so no key lies between them; swap them.");
        }

        if (prefix is not null)
        {
            if (prefix.Length == 0 || char.IsSurrogate(prefix[^1]) || prefix[^1] == char.MaxValue)
            {
                throw new ToolException("--prefix must be non-empty and end in a character below U+FFFF that is not half a surrogate pair; use --from and --to instead.");
            }

            // Ordinal order: the strings with the prefix are exactly those from it up to (not including) the prefix with its last character raised by one.
            var end = string.Concat(prefix.AsSpan(0, prefix.Length - 1), ((char)(prefix[^1] + 1)).ToString());
            return KeyRange<MessagePackKey>.Between(MessagePackKey.FromString(prefix), MessagePackKey.FromString(end), toInclusive: false);
        }

        return (from, to) switch
        {
            (null, null) => KeyRange<MessagePackKey>.All,
            (_, null) => KeyRange<MessagePackKey>.AtLeast(MessagePackKey.FromString(from)),
            (null, _) => KeyRange<MessagePackKey>.AtMost(MessagePackKey.FromString(to)),
            _ => KeyRange<MessagePackKey>.Between(MessagePackKey.FromString(from), MessagePackKey.FromString(to)),
        };
    }
}

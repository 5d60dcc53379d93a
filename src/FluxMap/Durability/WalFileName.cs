using System.Globalization;

namespace FluxMap.Durability;

/// <summary>
/// How log files are named: a prefix, a ten-digit sequence number and a suffix. Segments are
/// <c>wal-NNNNNNNNNN.log</c>; retired segments waiting in the pool to be reused are
/// <c>wal-pool-NNNNNNNNNN.tmp</c>, which the segments' <c>wal-*.log</c> pattern does not match,
/// so recovery never reads a pooled file as part of the log, and whose ".tmp" says it holds
/// nothing the database needs.
/// </summary>
internal sealed class WalFileName
{
    internal static readonly WalFileName Segment = new("wal-", ".log");

    internal static readonly WalFileName Pool = new("wal-pool-", ".tmp");

    private const int Digits = 10;

    private readonly string _prefix;
    private readonly string _suffix;

    private WalFileName(string prefix, string suffix)
    {
        _prefix = prefix;
        _suffix = suffix;
    }

    internal string Path(string directory, long sequence) =>
        System.IO.Path.Combine(directory, $"{_prefix}{sequence.ToString("D10", CultureInfo.InvariantCulture)}{_suffix}");

    /// <summary>The sequence numbers of this kind of file in <paramref name="directory"/>, in increasing order.</summary>
    internal List<long> List(StorageSystem storage, string directory) =>
        [.. storage.ListFiles(directory, $"{_prefix}*{_suffix}")
            .Select(name => TryParse(name, out var sequence) ? sequence : -1)
            .Where(sequence => sequence >= 0)
            .Order()];

    private bool TryParse(string name, out long sequence)
    {
        sequence = 0;
        return name.Length == _prefix.Length + Digits + _suffix.Length &&
            name.StartsWith(_prefix, StringComparison.Ordinal) && name.EndsWith(_suffix, StringComparison.Ordinal) &&
            long.TryParse(name.AsSpan(_prefix.Length, Digits), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }
}

using System.Security.Cryptography;

namespace FluxMap.Tool.Tests;

/// <summary>
/// Every entry under a directory, by relative path: a folder as its name, a file with its length
/// and SHA-256. Equal snapshots mean nothing was created, removed, resized or rewritten.
/// </summary>
internal static class FileSnapshot
{
    internal static IReadOnlyList<string> Of(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => (Relative: Path.GetRelativePath(directory, path), Path: path))
            .Select(entry => Directory.Exists(entry.Path)
                ? $"{entry.Relative}/"
                : $"{entry.Relative} {new FileInfo(entry.Path).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.Path)))}")];
}

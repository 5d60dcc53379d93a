namespace FluxMap.Tests;

/// <summary>A fresh directory under the system temp folder, deleted when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fluxmap-tests", Guid.NewGuid().ToString("N"));

    public IEnumerable<string> Segments => Directory.EnumerateFiles(Path, "wal-*.log").Order();

    /// <summary>Every file under the directory, by relative path, with a SHA-256 of its bytes: equal snapshots mean nothing changed.</summary>
    public Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories).ToDictionary(
            file => System.IO.Path.GetRelativePath(Path, file),
            file => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

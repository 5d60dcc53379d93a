namespace FluxMap.Durability;

/// <summary>
/// One open file of the database, positioned I/O only. The seam that fault-injection tests
/// replace to fail writes or syncs and to drop what was never synced.
/// </summary>
internal abstract class StorageFile : IDisposable
{
    internal abstract string Path { get; }

    internal abstract long Length { get; }

    internal abstract void Write(ReadOnlySpan<byte> data, long offset);

    /// <summary>Reads up to <paramref name="buffer"/>'s length; returns how many bytes were read.</summary>
    internal abstract int Read(Span<byte> buffer, long offset);

    /// <summary>Reads up to <paramref name="buffer"/>'s length without blocking a thread where the file system allows.</summary>
    internal virtual ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) => ValueTask.FromResult(Read(buffer.Span, offset));

    /// <summary>Makes every byte written so far survive a crash or power loss.</summary>
    internal abstract void Sync();

    internal abstract void SetLength(long length);

    public abstract void Dispose();
}

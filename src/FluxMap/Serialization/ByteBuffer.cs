using System.Buffers;

namespace FluxMap.Serialization;

/// <summary>A growable byte buffer that, unlike ArrayBufferWriter, can give back its tail.</summary>
internal sealed class ByteBuffer(int capacity) : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[capacity];

    internal int Count { get; private set; }

    internal Span<byte> Written => _buffer.AsSpan(0, Count);

    internal ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Count);

    public void Advance(int count) => Count += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(Count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(Count);
    }

    internal void Truncate(int count) => Count = count;

    /// <summary>Empties the buffer and gives back its memory if it grew past <paramref name="keep"/> bytes (one burst must not pin it for good).</summary>
    internal void Reset(int keep)
    {
        Count = 0;
        if (_buffer.Length > keep)
        {
            _buffer = new byte[capacity];
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Count + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }
    }
}

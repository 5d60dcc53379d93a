using System.Buffers;

namespace RespServer.Tests;

/// <summary>A byte sequence in several segments, as a socket read delivers it when a request arrives in pieces.</summary>
internal sealed class Chunks : ReadOnlySequenceSegment<byte>
{
    private Chunks(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Of(params byte[][] chunks)
    {
        var first = new Chunks(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            var next = new Chunks(chunk, last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}

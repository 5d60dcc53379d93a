using MessagePack;

namespace FluxMap.Replication;

/// <summary>The leader's answer to a forwarded transaction, as MessagePack <c>[outcome, position, message]</c>.</summary>
internal readonly record struct ForwardingReply(ForwardingOutcome Outcome, long Position, string? Message)
{
    internal byte[] Encode()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(3);
        writer.Write((int)Outcome);
        writer.Write(Position);
        writer.Write(Message);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <exception cref="MessagePackSerializationException">The bytes are no reply.</exception>
    internal static ForwardingReply Decode(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.ReadArrayHeader() != 3)
        {
            throw new MessagePackSerializationException("A forwarding reply has three fields.");
        }

        return new((ForwardingOutcome)reader.ReadInt32(), reader.ReadInt64(), reader.ReadString());
    }
}

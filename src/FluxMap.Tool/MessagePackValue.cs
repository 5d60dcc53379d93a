namespace FluxMap.Tool;

/// <summary>A value as the database stores it, one MessagePack item, read without the application's value type.</summary>
internal sealed class MessagePackValue(byte[] encoded)
{
    internal byte[] Encoded { get; } = encoded;
}

namespace FluxMap.Durability;

/// <summary>Where a valid record sits in a segment buffer and what its header says.</summary>
internal readonly record struct WalRecordView(long Lsn, long DurableLsn, int Offset, int Size, int PayloadOffset)
{
    internal int End => Offset + Size;
}

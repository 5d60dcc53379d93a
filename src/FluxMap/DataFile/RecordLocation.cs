namespace FluxMap.DataFile;

/// <summary>Where the newest data-file record of a key is: its extent and its index there.</summary>
internal readonly record struct RecordLocation<TKey>(Extent<TKey> Extent, int Index)
{
    internal long FileOffset => Extent.FileOffset + Extent.RecordOffset(Index);

    /// <summary>The commit timestamp of the record.</summary>
    internal long Timestamp => Extent.Timestamps[Index];

    internal int Length => Extent.RecordLength(Index);
}

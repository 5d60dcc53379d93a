using FluxMap.Serialization;

namespace FluxMap.DataFile;

/// <summary>
/// The records compaction gathers from its victims for one new extent, each with where it came
/// from, so its key can be pointed at the copy only if that is still the key's newest record.
/// </summary>
internal sealed class ExtentCopy<TKey>
{
    private int _maxBytes;

    internal ByteBuffer Records { get; } = new(64 * 1024);

    internal List<TKey> Keys { get; } = [];

    internal List<long> Timestamps { get; } = [];

    internal List<int> Offsets { get; } = [];

    internal List<RecordLocation<TKey>> Origins { get; } = [];

    /// <summary>Adds the record unless the copy holds something already and would pass its size.</summary>
    internal bool TryAdd(ReadOnlySpan<byte> record, Extent<TKey> origin, int index)
    {
        if (Keys.Count > 0 && Records.Count + record.Length > _maxBytes)
        {
            return false;
        }

        Add(record, origin, index);
        return true;
    }

    internal void Add(ReadOnlySpan<byte> record, Extent<TKey> origin, int index)
    {
        Keys.Add(origin.Keys[index]);
        Timestamps.Add(origin.Timestamps[index]);
        Offsets.Add(Records.Count);
        Origins.Add(new RecordLocation<TKey>(origin, index));
        record.CopyTo(Records.GetSpan(record.Length));
        Records.Advance(record.Length);
    }

    /// <summary>Empties the copy for records that fill at most <paramref name="maxBytes"/> (more only if its first record is larger).</summary>
    internal void Start(int maxBytes)
    {
        _maxBytes = maxBytes;
        Records.Truncate(0);
        Keys.Clear();
        Timestamps.Clear();
        Offsets.Clear();
        Origins.Clear();
    }
}

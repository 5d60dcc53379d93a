using System.Runtime.InteropServices;

namespace FluxMap.Transactions;

/// <summary>
/// Snapshots held by handle scans that began on a safe snapshot: such a scan can never be part of
/// a dangerous structure, so SSI keeps no record of it, and all it needs is that vacuum keeps the
/// versions it reads. A pin holds the horizon back to its snapshot and does nothing else. Pins
/// are counted per snapshot; they come at the newest visible commit, so there are about as many
/// entries as scans overlapping a commit. Changed under the commit lock; <see cref="Oldest"/> and
/// <see cref="Count"/> are also read without it.
/// </summary>
internal sealed class SnapshotPins
{
    private readonly CommitLock _gate;
    private readonly List<(long Snapshot, int Count)> _entries = [];
    private long _oldest = long.MaxValue;
    private int _count;

    internal SnapshotPins(CommitLock gate) => _gate = gate;

    /// <summary>The oldest pinned snapshot; long.MaxValue with none.</summary>
    internal long Oldest => Volatile.Read(ref _oldest);

    /// <summary>How many pins are held.</summary>
    internal int Count => Volatile.Read(ref _count);

    internal void Pin(long snapshot)
    {
        _gate.AssertHeld();
        var entries = CollectionsMarshal.AsSpan(_entries);
        if (entries.Length > 0 && entries[^1].Snapshot == snapshot)
        {
            entries[^1].Count++;
        }
        else
        {
            _entries.Add((snapshot, 1));
        }

        Volatile.Write(ref _oldest, Math.Min(_oldest, snapshot));
        Volatile.Write(ref _count, _count + 1);
    }

    /// <exception cref="InvalidOperationException"><paramref name="snapshot"/> is not pinned.</exception>
    internal void Unpin(long snapshot)
    {
        _gate.AssertHeld();
        var entries = CollectionsMarshal.AsSpan(_entries);
        var i = entries.Length - 1;
        while (i >= 0 && entries[i].Snapshot != snapshot)
        {
            i--;
        }

        if (i < 0)
        {
            throw new InvalidOperationException($"Snapshot {snapshot} is not pinned.");
        }

        Volatile.Write(ref _count, _count - 1);
        if (--entries[i].Count > 0)
        {
            return;
        }

        _entries.RemoveAt(i);
        var oldest = long.MaxValue;
        foreach (var (pinned, _) in _entries)
        {
            oldest = Math.Min(oldest, pinned);
        }

        Volatile.Write(ref _oldest, oldest);
    }
}

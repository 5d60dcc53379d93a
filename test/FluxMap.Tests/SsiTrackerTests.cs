using FluxMap.Storage;
using FluxMap.Transactions;

namespace FluxMap.Tests;

/// <summary>
/// The dangerous-structure rules of serializable snapshot isolation, driven on the tracker alone:
/// transactions are records with read sets, commits are timestamps, and no store is involved
/// (every reader is taken to have seen the version a commit replaces).
/// </summary>
public sealed class SsiTrackerTests
{
    private readonly CommitLock _gate = new();
    private readonly KeyOrdering<int> _keys = KeyOrdering<int>.Create(null, null);
    private readonly SsiTracker<int> _ssi;
    private long _lastCommit;
    private long _lastId;

    public SsiTrackerTests() => _ssi = new SsiTracker<int>(_gate, _keys, new RecordPool<int>(_keys), maxRetained: 16, static (_, _, _) => true);

    [Fact]
    public void Pivot_with_a_committed_Tout_and_an_active_Tin_is_aborted()
    {
        var tin = Begin(readOnly: false, reads: 1);
        var pivot = PivotWithCommittedTout();
        Assert.Equal(_lastCommit, pivot.EarliestOutConflict);

        var conflict = Assert.Throws<SerializationConflictException>(() => Commit(pivot, 1));
        Assert.Equal(ConflictReason.ReadWrite, conflict.Reason);
        Assert.Equal(pivot.Id, conflict.TransactionId);
        Assert.Equal(tin.Id, conflict.ConflictingTransactionId);
        Assert.Equal(1, conflict.Key);
        Assert.Equal(RecordStatus.Aborted, pivot.Status);
        Assert.Equal(RecordStatus.Active, tin.Status);
    }

    [Fact]
    public void A_single_read_write_edge_aborts_nothing()
    {
        var reader = Begin(readOnly: false, reads: 1);
        var writer = Begin(readOnly: false);

        Assert.Null(Commit(writer, 1));
        Assert.Null(Commit(reader, 3));

        Assert.Equal(RecordStatus.Committed, writer.Status);
        Assert.Equal(RecordStatus.Committed, reader.Status);
        Assert.Null(reader.Doom);
    }

    [Fact]
    public void Read_only_Tin_is_safe_when_Tout_committed_after_its_snapshot()
    {
        var tin = Begin(readOnly: true, reads: 1);
        var pivot = PivotWithCommittedTout();

        Assert.Null(Commit(pivot, 1));
        Assert.Equal(RecordStatus.Committed, pivot.Status);
        Assert.Null(tin.Doom);
    }

    [Fact]
    public void Read_only_Tin_that_saw_Tout_is_aborted_instead_of_the_pivot()
    {
        var pivot = PivotWithCommittedTout();
        var tin = Begin(readOnly: true, reads: 1);

        var victims = Commit(pivot, 1);

        var victim = Assert.Single(victims!);
        Assert.Same(tin, victim.Victim);
        Assert.Equal(RecordStatus.Committed, pivot.Status);
        Assert.Equal(ConflictReason.ReadWrite, tin.Doom!.Reason);
        Assert.Equal(pivot.Id, tin.Doom.ConflictingTransactionId);
    }

    [Fact]
    public void Stale_read_of_a_pivot_that_committed_dooms_the_reader()
    {
        var tin = Begin(readOnly: false);
        var pivot = PivotWithCommittedTout();
        Commit(pivot, 1);

        using (_gate.Enter())
        {
            _ssi.NoteStaleRead(tin, 1, pivot.CommitTimestamp);
        }

        Assert.Equal(pivot.CommitTimestamp, tin.EarliestOutConflict);
        var doom = Assert.IsType<SerializationConflictException>(tin.Doom);
        Assert.Equal(pivot.Id, doom.ConflictingTransactionId);
        Assert.Equal(pivot.CommitTimestamp, doom.ConflictingCommit);
    }

    [Fact]
    public void Committed_reads_are_released_once_no_overlapping_transaction_remains()
    {
        var other = Begin(readOnly: false);
        Commit(Begin(readOnly: false, reads: 1), 2);

        using (_gate.Enter())
        {
            Assert.Equal(1, _ssi.RetainedCount);
        }

        Commit(other, 3);

        using (_gate.Enter())
        {
            Assert.Equal(0, _ssi.RetainedCount);
            Assert.Equal(0, _ssi.ActiveCount);
        }
    }

    // A transaction that read key 2, which Tout has overwritten and committed since: the out edge
    // of a pivot, which a reader of what it writes completes.
    private TransactionRecord<int> PivotWithCommittedTout()
    {
        var pivot = Begin(readOnly: false, reads: 2);
        Assert.Null(Commit(Begin(readOnly: false), 2));
        return pivot;
    }

    private TransactionRecord<int> Begin(bool readOnly, params int[] reads)
    {
        using (_gate.Enter())
        {
            var trace = new ReadTrace<int>(_keys);
            foreach (var key in reads)
            {
                trace.AddPoint(key);
            }

            var record = new TransactionRecord<int>(++_lastId, _lastCommit, readOnly, trace);
            _ssi.Link(record);
            return record;
        }
    }

    // The tracker's part of a commit, in the order the transaction manager calls it.
    private List<(TransactionRecord<int> Victim, int Key)>? Commit(TransactionRecord<int> tx, params int[] writes)
    {
        var set = new WriteSet<int, string>(_keys.Comparer);
        foreach (var key in writes)
        {
            set.Put(key, "v", isTombstone: false, 0);
        }

        using (_gate.Enter())
        {
            try
            {
                var readers = _ssi.CollectReaders(tx, set);
                var victims = _ssi.CheckPivot(tx, readers);
                var commit = ++_lastCommit;
                _ssi.NoteWriter(commit, tx.Id);
                _ssi.NoteInstalled(tx, set, readers, victims, commit);
                tx.CommitTimestamp = commit;
                tx.Wrote = true;
                tx.OutConflictAtCommit = tx.EarliestOutConflict;
                _ssi.Retire(tx, RecordStatus.Committed, commit);
                return victims;
            }
            catch (SerializationConflictException)
            {
                _ssi.Retire(tx, RecordStatus.Aborted, _lastCommit);
                throw;
            }
        }
    }
}

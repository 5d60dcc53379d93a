using System.Diagnostics;

namespace FluxMap.Durability;

/// <summary>
/// The queue between committers and the log's two threads, and the writer role they pass
/// between them: a thread takes everything queued only while no other thread is framing and
/// writing, so the log's file position has one owner at a time, while the other thread may be
/// syncing what was written before. After its turn a thread first spins a little for more work: a
/// committer that awaits each commit appends its next one a few microseconds after its
/// acknowledgement, and waking a sleeping thread costs more than that (docs/benchmarks.md).
/// Items nobody waits for (Relaxed commits inside their loss window) wake a thread only once
/// <see cref="WakeAfterPlainItems"/> of them are queued: a write and a wake-up per commit cost a
/// committer that never waits more CPU than its commit, on the core it needs, and the flush timer's
/// tick, which is urgent, still brings them to the file within FlushInterval.
/// </summary>
internal sealed class WalIntake
{
    internal const int WakeAfterPlainItems = 256;

    // How long a thread spins for the next commit before it sleeps: 50 microseconds.
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    private readonly object _gate = new();
    private List<object> _incoming = [];
    private int _sleeping;
    private bool _closed;

    // Read without the lock by spinning threads (see SpinForWork): an urgent item, or enough plain ones, is queued.
    private volatile bool _ready;
    private volatile bool _writing;
    private volatile int _spinning;

    /// <summary>Queues <paramref name="item"/>; false once closed. A plain item (not <paramref name="urgent"/>) may wait for others to join it.</summary>
    internal bool TryEnqueue(object item, bool urgent = true)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _incoming.Add(item);
            if (urgent || _incoming.Count >= WakeAfterPlainItems)
            {
                _ready = true;

                // A spinning thread takes it without a wake-up (and re-checks under this lock before it sleeps).
                if (_sleeping > 0 && _spinning == 0)
                {
                    Monitor.Pulse(_gate);
                }
            }

            return true;
        }
    }

    /// <summary>Refuses every later item; the threads drain what is queued and then stop.</summary>
    internal void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Blocks until there is work and no other thread holds the writer role, then takes the role and
    /// all the work; null once closed and drained. <paramref name="spare"/>, the list the caller took
    /// last time, becomes the queue's.
    /// </summary>
    internal List<object>? TakeWork(List<object> spare, bool spin)
    {
        spare.Clear();
        if (spin && Environment.ProcessorCount > 1)
        {
            SpinForWork();
        }

        lock (_gate)
        {
            // Closing, every item is ready.
            while (_writing || !(_ready || (_closed && _incoming.Count > 0)))
            {
                if (_closed && _incoming.Count == 0)
                {
                    return null;
                }

                _sleeping++;
                Monitor.Wait(_gate);
                _sleeping--;
            }

            var taken = _incoming;
            _incoming = spare;
            _ready = false;
            _writing = true;
            return taken;
        }
    }

    /// <summary>Gives up the writer role; another thread may take the work queued meanwhile.</summary>
    internal void EndWriting()
    {
        lock (_gate)
        {
            _writing = false;
            if (_ready || _closed)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void SpinForWork()
    {
        Interlocked.Increment(ref _spinning);
        var until = Stopwatch.GetTimestamp() + SpinTicks;
        while (!(_ready && !_writing) && Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }

        Interlocked.Decrement(ref _spinning);
    }
}

using System.Globalization;
using System.Text;

namespace FluxMap.Orleans.Tests;

/// <summary>
/// Appends 1, 2, 3, ... to one journal grain, one call at a time, until stopped, recording which
/// appends Orleans acknowledged and which failed. A failed append's outcome is unknown (it may
/// have committed): it counts as not acknowledged, never as lost. Checks the journal read back
/// against the record.
/// </summary>
internal sealed class JournalWriter
{
    /// <summary>How long writes may take to resume after a failure before the test gives up on them.</summary>
    private static readonly TimeSpan ResumeTimeout = TimeSpan.FromSeconds(45);

    private readonly IJournalGrain _grain;
    private readonly Lock _lock = new();
    private readonly List<int> _acknowledged = [];
    private readonly List<(int Entry, Exception Error)> _failures = [];
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly Task _run;
    private int _attempted;
    private bool _stopping;

    private JournalWriter(IJournalGrain grain)
    {
        _grain = grain;
        _run = Task.Run(RunAsync);
    }

    /// <summary>Gets how many appends Orleans acknowledged so far.</summary>
    internal int Acknowledged
    {
        get
        {
            lock (_lock)
            {
                return _acknowledged.Count;
            }
        }
    }

    /// <summary>Gets the appends that failed, with what they threw.</summary>
    internal IReadOnlyList<(int Entry, Exception Error)> Failures
    {
        get
        {
            lock (_lock)
            {
                return [.. _failures];
            }
        }
    }

    internal static JournalWriter Start(IJournalGrain grain) => new(grain);

    /// <summary>Waits until <paramref name="count"/> appends are acknowledged; fails the test, saying what the writer saw, if that takes too long.</summary>
    internal async Task WaitForAcknowledgedAsync(int count, CancellationToken cancellationToken)
    {
        Task reached;
        lock (_lock)
        {
            if (_acknowledged.Count >= count)
            {
                return;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, waiter));
            reached = waiter.Task;
        }

        try
        {
            await reached.WaitAsync(ResumeTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{count} acknowledged appends were not reached within {ResumeTimeout}: {Describe()}");
        }
    }

    /// <summary>Stops appending once the append in flight ends.</summary>
    internal async Task StopAsync()
    {
        Volatile.Write(ref _stopping, true);
        await _run;
    }

    /// <summary>
    /// Checks a journal read back: every acknowledged append is in it, in order, and nothing else
    /// is but appends that failed (which may have committed).
    /// </summary>
    internal void AssertKept(int[] journal)
    {
        lock (_lock)
        {
            var described = $"journal {Show(journal)}; {Describe()}";
            for (var i = 1; i < journal.Length; i++)
            {
                Assert.True(journal[i - 1] < journal[i], $"entries out of order at index {i}: {described}");
            }

            Assert.All(journal, entry => Assert.True(entry >= 1 && entry <= _attempted, $"entry {entry} was never appended: {described}"));
            var lost = _acknowledged.Except(journal).ToList();
            Assert.True(lost.Count == 0, $"acknowledged appends lost: {string.Join(", ", lost)}; {described}");
        }
    }

    /// <summary>What the writer did: counts, and each failure with its exception.</summary>
    internal string Describe()
    {
        lock (_lock)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"grain {_grain.GetPrimaryKeyString()}: {_attempted} appends, {_acknowledged.Count} acknowledged (last {_acknowledged.LastOrDefault()}), {_failures.Count} failed");
            foreach (var (entry, error) in _failures)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n  {entry}: {string.Join(" > ", Causes(error).Select(e => e.GetType().Name))}: {error.Message}");
            }

            return text.ToString();
        }
    }

    /// <summary>An exception and its inner ones, outermost first.</summary>
    internal static IEnumerable<Exception> Causes(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static string Show(int[] journal) => journal.Length <= 8
        ? $"[{string.Join(", ", journal)}]"
        : $"[{journal[0]}, {journal[1]}, .. {journal[^2]}, {journal[^1]}] ({journal.Length} entries)";

    private async Task RunAsync()
    {
        for (var entry = 1; !Volatile.Read(ref _stopping); entry++)
        {
            Volatile.Write(ref _attempted, entry);
            try
            {
                await _grain.Append(entry);
            }
            catch (Exception e)
            {
                lock (_lock)
                {
                    _failures.Add((entry, e));
                }

                continue;
            }

            lock (_lock)
            {
                _acknowledged.Add(entry);
                foreach (var waiter in _waiters.Where(w => w.Count <= _acknowledged.Count).ToList())
                {
                    waiter.Reached.SetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }
}

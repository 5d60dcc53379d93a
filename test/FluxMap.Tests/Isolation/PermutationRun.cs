namespace FluxMap.Tests.Isolation;

/// <summary>
/// One play of a permutation: its sessions, the steps still waiting, and a log of what each step
/// did, in the order the steps completed.
/// </summary>
internal sealed class PermutationRun<TKey, TValue>
    where TKey : notnull
{
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(30);

    private readonly List<(string Step, SpecSession<TKey, TValue> Session, Task<string> Run, List<SpecSession<TKey, TValue>> Blockers)> _waiting = [];
    private readonly List<string> _log = [];

    internal PermutationRun(IReadOnlyList<SpecSession<TKey, TValue>> sessions) => Sessions = sessions;

    internal IReadOnlyList<SpecSession<TKey, TValue>> Sessions { get; }

    /// <summary>One line a step: its name and the reads and writes it made, or why it failed, or that it is waiting.</summary>
    internal IReadOnlyList<string> Log => _log;

    /// <summary>The sessions that failed, as the outcome tables write them, or "-".</summary>
    internal string Outcome => Sessions.Any(s => s.Failure is not null) ? string.Join(" ", Sessions.Where(s => s.Failure is not null).Select(s => s.Failure)) : "-";

    internal async Task PlayAsync(string name, SpecSession<TKey, TValue> session, bool outside, Func<SpecSession<TKey, TValue>, Task> action)
    {
        if (_waiting.FindIndex(w => w.Session == session) is var busy and >= 0)
        {
            await CompleteAsync(busy);
        }

        if (!outside && session.HasEnded)
        {
            _log.Add($"{name}: skipped, {session.Name} has ended");
            return;
        }

        var blockers = Sessions.Where(s => s != session && s.IsReadWriteOpen).ToList();
        var run = RunStepAsync(name, session, action);
        if (run.IsCompleted)
        {
            _log.Add(await run);
        }
        else
        {
            _log.Add($"{name}: waiting");
            _waiting.Add((name, session, run, blockers));
        }

        await SettleAsync();
    }

    /// <summary>Commits the sessions the permutation left open and lets every waiting step complete.</summary>
    internal async Task FinishAsync()
    {
        await CommitOpenAsync();
        while (_waiting.Count > 0)
        {
            await CompleteAsync(0);
        }

        await CommitOpenAsync();
    }

    private static async Task<string> RunStepAsync(string name, SpecSession<TKey, TValue> session, Func<SpecSession<TKey, TValue>, Task> action)
    {
        var before = session.Operations.Count;
        try
        {
            await action(session);
        }
        catch (SerializationConflictException conflict)
        {
            session.Fail(null);
            return $"{name}: {conflict.Message}";
        }
        catch (ConstraintViolation violation)
        {
            await session.RollbackAsync();
            session.Fail(violation.Constraint);
            return $"{name}: {violation.Message}";
        }

        return session.Operations.Count == before ? name : $"{name}: {string.Join("; ", session.Operations.Skip(before).Select(o => o.Description))}";
    }

    // A session still waiting in a step keeps its transaction open until the step completes.
    private async Task CommitOpenAsync()
    {
        foreach (var session in Sessions.Where(s => s.State == SessionState.Open && !_waiting.Exists(w => w.Session == s)))
        {
            _log.Add(await RunStepAsync($"(end) commit {session.Name}", session, s => s.CommitAsync()));
            await SettleAsync();
        }
    }

    // A waiting step completes once every read-write session it could be waiting for has ended.
    private async Task SettleAsync()
    {
        while (_waiting.FindIndex(w => w.Run.IsCompleted || w.Blockers.TrueForAll(b => !b.IsReadWriteOpen)) is var ready and >= 0)
        {
            await CompleteAsync(ready);
        }
    }

    private async Task CompleteAsync(int index)
    {
        var (step, _, run, _) = _waiting[index];
        _waiting.RemoveAt(index);
        try
        {
            _log.Add(await run.WaitAsync(StuckAfter, Fixture.Ct));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Step {step} still waits {StuckAfter.TotalSeconds} s after the sessions it waited for ended.{Environment.NewLine}{string.Join(Environment.NewLine, _log)}");
        }
    }
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// A PostgreSQL isolation spec (src/test/isolation, as of PostgreSQL 18) ported to FluxMap:
/// sessions, each a list of named steps over its own transaction, and permutations that
/// interleave the steps. A run plays one permutation against a fresh in-memory database and
/// asserts which sessions failed, then that the committed ones match a serial order
/// (<see cref="SerialOrder"/>).
/// </summary>
/// <remarks>
/// <para>
/// The ports map tables to key prefixes and rows to keys (the primary key, else a row number);
/// a lookup by primary key becomes a get, any other WHERE a range or prefix scan that the step
/// filters (through index keys the steps maintain where the spec's plan uses an index); UPDATE
/// reads the row and writes it; INSERT is a write, or a check that the key is absent where the
/// spec is about a unique key.
/// </para>
/// <para>
/// As in PostgreSQL, a session's transaction takes its snapshot at its first statement (an
/// explicit BEGIN takes none), a session whose
/// transaction failed skips its later steps, and a step that does not complete at once (a
/// deferrable read waiting for a safe snapshot) is reported waiting while later steps run; it is
/// awaited once every read-write session that was open when it started has ended. Unlike
/// PostgreSQL, FluxMap buffers writes and finds conflicts only at reads and commits, so where
/// PostgreSQL fails a write step FluxMap fails the session later; the outcome compared is which
/// sessions fail, not at which step. A permutation that leaves a session open ends by committing
/// it, which is where FluxMap reports what PostgreSQL reported at that session's write.
/// </para>
/// </remarks>
internal sealed class IsolationSpec<TKey, TValue>
    where TKey : notnull
{
    private readonly Func<FluxHandle<TKey, TValue>, Task> _setup;
    private readonly List<(string Name, TransactionOptions? Options, List<string> Steps)> _sessions = [];
    private readonly Dictionary<string, (string Session, bool Outside, Func<SpecSession<TKey, TValue>, Task> Action)> _steps = new(StringComparer.Ordinal);

    internal IsolationSpec(Func<FluxHandle<TKey, TValue>, Task> setup) => _setup = setup;

    internal IsolationSpec<TKey, TValue> Session(string name, TransactionOptions? options = null)
    {
        _sessions.Add((name, options, []));
        return this;
    }

    /// <summary>Adds a step to the last session.</summary>
    internal IsolationSpec<TKey, TValue> Step(string name, Func<SpecSession<TKey, TValue>, Task> action) => Add(name, outside: false, action);

    /// <summary>An explicit BEGIN: like PostgreSQL's, it takes no snapshot; the session's next statement does.</summary>
    internal IsolationSpec<TKey, TValue> Begin(string name) => Step(name, _ => Task.CompletedTask);

    /// <summary>A statement that reads nothing but takes the session's snapshot (PostgreSQL's "SELECT TRUE").</summary>
    internal IsolationSpec<TKey, TValue> TakeSnapshot(string name) => Step(name, session =>
    {
        session.TakeSnapshot();
        return Task.CompletedTask;
    });

    internal IsolationSpec<TKey, TValue> Commit(string name) => Step(name, session => session.CommitAsync());

    internal IsolationSpec<TKey, TValue> Rollback(string name) => Step(name, session => session.RollbackAsync());

    /// <summary>A step of the last session that runs outside its transaction, like a PostgreSQL statement in autocommit mode.</summary>
    internal IsolationSpec<TKey, TValue> Outside(string name, Func<FluxHandle<TKey, TValue>, Task> action) =>
        Add(name, outside: true, session => action(session.Handle));

    /// <summary>
    /// The permutations and their outcomes, from a table with one "steps -> outcome" row per
    /// permutation. An outcome lists the sessions that fail ("-" for none), a constraint failure
    /// as "session:constraint". A row where PostgreSQL ends otherwise adds "| postgres outcome".
    /// With <paramref name="everyInterleaving"/> (a spec without a permutation list, where
    /// PostgreSQL runs every interleaving) the rows must cover every interleaving exactly once.
    /// </summary>
    internal TheoryData<string, string, string> Outcomes(string table, bool everyInterleaving = false)
    {
        var data = new TheoryData<string, string, string>();
        var listed = new List<string>();
        foreach (var row in table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var arrow = row.Split("->", StringSplitOptions.TrimEntries);
            var outcome = arrow[1].Split("| postgres", StringSplitOptions.TrimEntries);
            var permutation = string.Join(" ", arrow[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            foreach (var step in permutation.Split(' ').Where(step => !_steps.ContainsKey(step)))
            {
                throw new InvalidOperationException($"Permutation \"{permutation}\" names an unknown step {step}.");
            }

            listed.Add(permutation);
            data.Add(permutation, outcome[0], outcome.Length > 1 ? outcome[1] : outcome[0]);
        }

        if (everyInterleaving)
        {
            var all = Interleavings(_sessions.Select(s => s.Steps.ToArray()).ToArray()).ToList();
            if (listed.Count != all.Count || !listed.ToHashSet().SetEquals(all))
            {
                throw new InvalidOperationException(
                    $"The table lists {listed.Count} permutations; the spec has {all.Count} interleavings. Missing: {string.Join("; ", all.Except(listed))}");
            }
        }

        return data;
    }

    /// <summary>Writes a spec's initial rows in one transaction.</summary>
    internal static async Task SeedAsync(FluxHandle<TKey, TValue> handle, IEnumerable<(TKey Key, TValue Value)> rows)
    {
        await using var tx = handle.BeginTransaction();
        foreach (var (key, value) in rows)
        {
            await tx.InsertAsync(key, value, Fixture.Ct);
        }

        await tx.CommitAsync(Fixture.Ct);
    }

    /// <summary>Plays <paramref name="permutation"/> and asserts FluxMap's outcome and that the result is serializable.</summary>
    /// <returns>The run's log, one line a step.</returns>
    internal async Task<IReadOnlyList<string>> RunAsync(string permutation, string expected, string postgres)
    {
        await using var db = await FluxDatabase.OpenAsync<TKey, TValue>(cancellationToken: Fixture.Ct);
        var handle = db.CreateHandle();
        await _setup(handle);
        var initial = await ContentsAsync(db, handle);
        var run = new PermutationRun<TKey, TValue>([.. _sessions.Select(s => new SpecSession<TKey, TValue>(s.Name, db, handle, s.Options))]);
        foreach (var name in permutation.Split(' '))
        {
            var (session, outside, action) = _steps[name];
            await run.PlayAsync(name, run.Sessions.Single(s => s.Name == session), outside, action);
        }

        await run.FinishAsync();
        var log = string.Join(Environment.NewLine, run.Log);
        Assert.True(run.Outcome == expected, $"Permutation {permutation}: expected {expected}, FluxMap ended {run.Outcome} (PostgreSQL: {postgres}).{Environment.NewLine}{log}");

        var committed = run.Sessions.Where(s => s.State == SessionState.Committed).ToList();
        var final = await ContentsAsync(db, handle);
        Assert.True(
            SerialOrder.Find(initial, final, committed) is not null,
            $"Permutation {permutation}: no serial order of {string.Join(", ", committed.Select(s => s.Name))} explains the run " +
            $"(final contents {string.Join(", ", final)}).{Environment.NewLine}{log}");
        return run.Log;
    }

    private static async Task<SortedDictionary<TKey, TValue>> ContentsAsync(FluxDatabase<TKey, TValue> db, FluxHandle<TKey, TValue> handle)
    {
        var contents = new SortedDictionary<TKey, TValue>(db.Engine.Keys.Comparer);
        await foreach (var (key, value) in handle.ScanAsync(KeyRange<TKey>.All, cancellationToken: Fixture.Ct))
        {
            contents.Add(key, value);
        }

        return contents;
    }

    // Every interleaving of the sessions' steps that keeps each session's own order.
    private static IEnumerable<string> Interleavings(string[][] sessions)
    {
        if (sessions.All(s => s.Length == 0))
        {
            yield return string.Empty;
            yield break;
        }

        for (var i = 0; i < sessions.Length; i++)
        {
            if (sessions[i].Length == 0)
            {
                continue;
            }

            var rest = sessions.Select((s, j) => j == i ? s[1..] : s).ToArray();
            foreach (var tail in Interleavings(rest))
            {
                yield return tail.Length == 0 ? sessions[i][0] : $"{sessions[i][0]} {tail}";
            }
        }
    }

    private IsolationSpec<TKey, TValue> Add(string name, bool outside, Func<SpecSession<TKey, TValue>, Task> action)
    {
        var session = _sessions[^1];
        session.Steps.Add(name);
        _steps.Add(name, (session.Name, outside, action));
        return this;
    }
}

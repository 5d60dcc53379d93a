using System.Diagnostics;
using System.Globalization;
using FluxMap.Testing;

namespace FluxMap.Tests;

/// <summary>
/// Randomized history checks in the style of Jepsen's Elle "list-append" workload: concurrent
/// transactions read lists and append unique elements to them, and afterwards the committed
/// history must admit a serial order. Each key's final list is its version order; every committed
/// read must be a prefix of it; aborted appends must never show; and the graph of ww, wr and rw
/// dependencies between committed transactions must be acyclic. Plus write skew checks.
/// </summary>
/// <remarks>
/// FLUXMAP_SEED sets the seed (workers derive theirs from it) and FLUXMAP_SOAK_TRANSACTIONS the
/// number of list-append transactions, for a longer run. Thread scheduling still varies, so a
/// seed reproduces the workload, not the interleaving.
/// </remarks>
public sealed class SerializabilityHistoryTests
{
    private const int DefaultTransactions = 60_000;
    private const int DefaultSeed = 20_240_611;
    private const int Workers = 8;

    // Once a list reaches this length its generation of keys is retired and the workers move on
    // to fresh (absent) keys, as Elle does: lists, and the versions the database keeps of them,
    // stay short however long the run.
    private const int GenerationLength = 400;

    // Appendable keys per generation, hot ones first: appends pick them with these weights.
    private static readonly int[] KeyWeights = [10, 10, 10, 10, 3, 3, 1, 1];

    private static readonly TransactionOptions ReadOnly = new() { ReadOnly = true };
    private static readonly TransactionOptions Deferrable = new() { ReadOnly = true, Deferrable = true };

    private readonly ITestOutputHelper _output;

    public SerializabilityHistoryTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task List_append_history_has_no_dependency_cycle()
    {
        var ct = TestContext.Current.CancellationToken;
        var attempts = EnvironmentInt("FLUXMAP_SOAK_TRANSACTIONS") ?? DefaultTransactions;
        var seed = EnvironmentInt("FLUXMAP_SEED") ?? DefaultSeed;
        _output.WriteLine($"list-append: {attempts} transactions over {Workers} workers, seed {seed} (set FLUXMAP_SEED to override, FLUXMAP_SOAK_TRANSACTIONS for a longer run)");

        var clock = Stopwatch.StartNew();
        await using var db = await FluxDatabase.OpenAsync<string, int[]>(cancellationToken: ct);
        var handle = db.CreateHandle();
        var shared = new SharedCounters();
        var workers = Enumerable.Range(0, Workers)
            .Select(w => Task.Run(
                () => RunWorkerAsync(handle, w, seed + (w * 7_919), (attempts / Workers) + (w < attempts % Workers ? 1 : 0), shared, ct),
                ct))
            .ToArray();
        var logs = await Task.WhenAll(workers);
        var runTime = clock.Elapsed;

        // The final state, read both key by key and with one scan: the two must agree.
        var final = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var generations = Volatile.Read(ref shared.Generation) + 1;
        foreach (var key in Enumerable.Range(0, generations + 1).SelectMany(UniverseOf))
        {
            var value = await handle.GetAsync(key, ct);
            if (value.HasValue)
            {
                final[key] = value.Value;
            }
        }

        var scanned = 0;
        await foreach (var (key, value) in handle.ScanPrefixAsync("g", ct))
        {
            Assert.True(final.TryGetValue(key, out var expected), $"final scan returned key {key} that a point read does not find");
            Assert.Equal(expected, value);
            scanned++;
        }

        Assert.Equal(final.Count, scanned);

        foreach (var key in final.Keys)
        {
            Assert.False(IsMissing(key), $"key {key} was never written but exists at the end");
        }

        var committed = logs.SelectMany(l => l.Committed).ToList();
        var history = ListAppendHistory.Check(committed, logs.SelectMany(l => l.AbortedElements), final);
        clock.Stop();

        var conflicts = logs.Sum(l => l.Conflicts);
        var rollbacks = logs.Sum(l => l.Rollbacks);
        _output.WriteLine(
            $"attempted {attempts}, committed {committed.Count} ({logs.Sum(l => l.ReadOnlyCommitted)} read-only), " +
            $"serialization conflicts {conflicts} (write-write {logs.Sum(l => l.WriteWriteConflicts)}, read-write {logs.Sum(l => l.ReadWriteConflicts)}, " +
            $"at commit {logs.Sum(l => l.CommitConflicts)}), voluntary rollbacks {rollbacks}");
        _output.WriteLine(
            $"edges: ww {history.WriteWrite}, wr {history.WriteRead}, rw {history.ReadWrite}; committed reads {history.Reads} " +
            $"(absent before a later append {history.AbsentReads}); appended elements {history.Elements}, aborted elements {history.AbortedElements}");
        _output.WriteLine(
            $"{generations} key generations, {final.Count} keys, longest list {final.Values.Max(l => l.Length)}; " +
            $"workload {runTime.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s");

        Assert.True(history.Cycle is null, history.Cycle);

        // Sanity floor: the run must have exercised what it claims to check.
        Assert.True(committed.Count >= attempts / 4, $"only {committed.Count} of {attempts} transactions committed");
        Assert.True(conflicts > 0, "no serialization conflict happened: the workload has no contention");
        Assert.True(history.WriteWrite > 0, "no ww edge");
        Assert.True(history.WriteRead > 0, "no wr edge");
        Assert.True(history.ReadWrite > 0, "no rw edge");
        Assert.True(history.AbsentReads > 0, "no committed read of a key before its first append");
        Assert.True(history.AbortedElements > 0, "no aborted append to check for invisibility");
    }

    [Fact]
    public async Task Write_skew_between_on_call_doctors_is_prevented()
    {
        const int Pairs = 400;
        var ct = TestContext.Current.CancellationToken;
        var seed = EnvironmentInt("FLUXMAP_SEED") ?? DefaultSeed;
        _output.WriteLine($"on-call doctors: {Pairs} pairs, seed {seed}");

        await using var db = await FluxDatabase.OpenAsync<string, int>(cancellationToken: ct);
        var handle = db.CreateHandle();
        for (var pair = 0; pair < Pairs; pair++)
        {
            await using var setup = handle.BeginTransaction();
            await setup.InsertAsync(DoctorKey(pair, 0), 1, ct);
            await setup.InsertAsync(DoctorKey(pair, 1), 1, ct);
            await setup.CommitAsync(ct);
        }

        var conflicts = 0;
        var offCall = 0;
        var tasks = new List<Task>();
        for (var pair = 0; pair < Pairs; pair++)
        {
            // Even pairs meet: both doctors have read both keys before either writes, which is
            // the textbook write skew. Odd pairs run freely and overlap as scheduling allows.
            TaskCompletionSource[]? readBoth = pair % 2 == 0
                ? [new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)]
                : null;
            for (var doctor = 0; doctor < 2; doctor++)
            {
                var (p, d) = (pair, doctor);
                var random = new Random(seed + (p * 2) + d);
                tasks.Add(Task.Run(
                    async () =>
                    {
                        for (var attempt = 0; ; attempt++)
                        {
                            var meet = attempt == 0 ? readBoth : null;
                            await using var tx = handle.BeginTransaction();
                            try
                            {
                                int sum;
                                try
                                {
                                    var x = await tx.GetAsync(DoctorKey(p, 0), ct);
                                    if (random.Next(2) == 0)
                                    {
                                        await Task.Yield();
                                    }

                                    var y = await tx.GetAsync(DoctorKey(p, 1), ct);
                                    sum = x.Value + y.Value;
                                }
                                finally
                                {
                                    meet?[d].TrySetResult();
                                }

                                if (meet is not null)
                                {
                                    await Task.WhenAll(meet[0].Task, meet[1].Task).WaitAsync(ct);
                                }
                                else if (random.Next(2) == 0)
                                {
                                    await Task.Yield();
                                }

                                if (sum >= 2)
                                {
                                    await tx.InsertAsync(DoctorKey(p, d), 0, ct);
                                }

                                await tx.CommitAsync(ct);
                                if (sum >= 2)
                                {
                                    Interlocked.Increment(ref offCall);
                                }

                                return;
                            }
                            catch (SerializationConflictException)
                            {
                                Interlocked.Increment(ref conflicts);
                            }
                        }
                    },
                    ct));
            }
        }

        await Task.WhenAll(tasks);

        var broken = new List<string>();
        for (var pair = 0; pair < Pairs; pair++)
        {
            var x = (await handle.GetAsync(DoctorKey(pair, 0), ct)).Value;
            var y = (await handle.GetAsync(DoctorKey(pair, 1), ct)).Value;
            if (x + y < 1)
            {
                broken.Add($"pair {pair}: x={x}, y={y}");
            }
        }

        _output.WriteLine($"conflicts {conflicts}, doctors who went off call {offCall}");
        Assert.True(broken.Count == 0, $"write skew: {broken.Count} pairs have nobody on call: {string.Join("; ", broken.Take(10))}");
        Assert.Equal(Pairs, offCall);
        Assert.True(conflicts >= Pairs / 2, $"only {conflicts} conflicts; every meeting pair must produce one");
    }

    // The two tests below pin one interleaving of two threads. A key comparer is the engine's only
    // callback, so it serves as the hook: it runs the other transaction's read at a precise point
    // of a commit, exactly as a second thread could at that instant. The hook runs on the
    // committing thread, inside the commit's critical section, whose lock is reentrant: a fix that
    // only makes reads wait for a commit in progress would still fail the first test; a fix that
    // publishes before looking for readers, or looks again after publishing, passes it. (With two
    // real threads the same race commits write skew too, and the list-append test above finds it.)

    [Fact]
    public async Task Write_skew_is_prevented_when_a_read_lands_between_the_writers_conflict_check_and_its_publication()
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = new HookedOrdinalComparer();
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithComparer(keys).OpenAsync(ct);
        var handle = db.CreateHandle();
        await using (var setup = handle.BeginTransaction())
        {
            await setup.InsertAsync("x", 1, ct);
            await setup.InsertAsync("y", 1, ct);
            await setup.CommitAsync(ct);
        }

        // Two doctors on call; each goes off call only if both are on call.
        await using var t2 = handle.BeginTransaction();
        var y2 = (await t2.GetAsync("y", ct)).Value;
        await using var t1 = handle.BeginTransaction();
        var sum1 = (await t1.GetAsync("x", ct)).Value + (await t1.GetAsync("y", ct)).Value;
        Assert.Equal(2, sum1);
        await t1.InsertAsync("x", 0, ct);

        // A third transaction, begun after both, with a scanned range: t1's commit checks its
        // reads after t2's, so comparing "x" with this range's bound happens once t1 has looked
        // for readers in t2 and before t1 has published x.
        await using var bystander = handle.BeginTransaction();
        await foreach (var pair in bystander.ScanRangeAsync("m", "n", ct))
        {
            Assert.Fail($"unexpected key {pair.Key}");
        }

        int? x2 = null;
        keys.Arm("m", () =>
        {
            var read = t2.GetAsync("x", ct);
            Assert.True(read.IsCompletedSuccessfully);
            x2 = read.Result.Value;
        });
        await t1.CommitAsync(ct);
        Assert.Equal(1, x2); // t2 read x before t1's write became visible: t2 -rw-> t1

        // t1 read y, which t2 now overwrites (t1 -rw-> t2): with t2 -rw-> t1 that is a cycle, and
        // t2, the pivot whose out-conflict committed first, must not commit.
        Assert.Equal(2, x2 + y2);
        await t2.InsertAsync("y", 0, ct);
        var committed = true;
        try
        {
            await t2.CommitAsync(ct);
        }
        catch (SerializationConflictException)
        {
            committed = false;
        }

        var x = (await handle.GetAsync("x", ct)).Value;
        var y = (await handle.GetAsync("y", ct)).Value;
        Assert.False(committed, $"write skew committed: both doctors went off call (x={x}, y={y}); t2's read of x during t1's commit left no read-write dependency");
    }

    [Fact]
    public async Task Scan_during_the_commit_that_creates_a_key_does_not_throw()
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = new HookedOrdinalComparer();
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithComparer(keys).OpenAsync(ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, ct);

        await using var reader = handle.BeginTransaction();
        await using var writer = handle.BeginTransaction();
        await writer.InsertAsync("b", 2, ct);

        // Every time the commit hashes the new key (looking it up, then indexing the node it has
        // linked into the skip list), the reader scans: it must see "b" absent, never half made.
        var scans = 0;
        Exception? failure = null;
        keys.Arm("b", () =>
        {
            try
            {
                var pairs = reader.ScanAsync(KeyRange<string>.All, ScanDirection.Forward, ct).ToBlockingEnumerable(ct).ToList();
                Assert.Equal(["a"], pairs.Select(p => p.Key));
                scans++;
            }
            catch (SerializationConflictException)
            {
                scans++;
            }
            catch (Exception e) when (failure is null)
            {
                failure = e;
            }
        }, everyTime: true, onHash: true);
        await writer.CommitAsync(ct);
        keys.Disarm();

        Assert.True(failure is null, $"a scan during the commit that creates key b failed: {failure}");
        Assert.True(scans > 0);
        Assert.Equal(2, (await handle.GetAsync("b", ct)).Value);
    }

    private static string DoctorKey(int pair, int doctor) =>
        string.Create(CultureInfo.InvariantCulture, $"pair{pair:D4}:{(doctor == 0 ? 'x' : 'y')}");

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static async Task<WorkerLog> RunWorkerAsync(
        FluxHandle<string, int[]> handle, int worker, int seed, int attempts, SharedCounters shared, CancellationToken ct)
    {
        var random = new Random(seed);
        var log = new WorkerLog();
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var roll = random.Next(100);
            var mode = roll < 10 ? TxnMode.ReadOnly : roll < 12 ? TxnMode.Deferrable : TxnMode.ReadWrite;
            await using var tx = handle.BeginTransaction(mode switch
            {
                TxnMode.ReadOnly => ReadOnly,
                TxnMode.Deferrable => Deferrable,
                _ => null,
            });
            var generation = Volatile.Read(ref shared.Generation);
            var txn = new ListAppendTransaction(string.Create(CultureInfo.InvariantCulture, $"worker {worker}, attempt {attempt}, worker seed {seed}, FluxMap id {tx.Id}, {mode}"));
            var atCommit = false;
            try
            {
                var ops = 1 + random.Next(5);
                for (var op = 0; op < ops; op++)
                {
                    await RunOperationAsync(tx, txn, mode, generation, random, shared, ct);

                    // Let other workers' transactions run while this one is open.
                    await Task.Yield();
                }

                if (mode == TxnMode.ReadWrite && random.Next(50) == 0)
                {
                    await tx.RollbackAsync(ct);
                    log.Rollbacks++;
                    log.AbortedElements.AddRange(txn.Appends.Select(a => a.Element));
                    continue;
                }

                atCommit = true;
                await tx.CommitAsync(ct);
                log.Committed.Add(txn);
                log.ReadOnlyCommitted += mode == TxnMode.ReadWrite ? 0 : 1;
            }
            catch (SerializationConflictException conflict)
            {
                log.Conflicts++;
                log.CommitConflicts += atCommit ? 1 : 0;
                log.WriteWriteConflicts += conflict.Reason == ConflictReason.WriteWrite ? 1 : 0;
                log.ReadWriteConflicts += conflict.Reason == ConflictReason.ReadWrite ? 1 : 0;
                log.AbortedElements.AddRange(txn.Appends.Select(a => a.Element));
            }
        }

        return log;
    }

    private static async Task RunOperationAsync(
        FluxTransaction<string, int[]> tx, ListAppendTransaction txn, TxnMode mode, int generation, Random random, SharedCounters shared, CancellationToken ct)
    {
        var roll = mode == TxnMode.ReadWrite ? random.Next(100) : 40 + random.Next(60);
        if (roll < 40)
        {
            // Append: read the list, add a globally unique element, write the new list.
            var key = Key(generation, PickSlot(random));
            var current = await tx.GetAsync(key, ct);
            var list = current.HasValue ? current.Value : null;
            txn.Observe(key, list, "append-read");
            if (list?.Length >= GenerationLength)
            {
                Interlocked.CompareExchange(ref shared.Generation, generation + 1, generation);
            }

            var element = Interlocked.Increment(ref shared.NextElement);
            var next = new int[(list?.Length ?? 0) + 1];
            list?.CopyTo(next, 0);
            next[^1] = element;
            txn.Appends.Add((key, element));
            txn.Log.Add(new ListAppendOperation("append", key, next, null, true));
            await tx.InsertAsync(key, next, ct);
            txn.Own[key] = next;
        }
        else if (roll < 65)
        {
            var key = Key(generation, random.Next(KeyWeights.Length));
            var value = await tx.GetAsync(key, ct);
            txn.Observe(key, value.HasValue ? value.Value : null, "read");
        }
        else if (roll < 72)
        {
            var key = MissingKey(generation, random.Next(KeyWeights.Length));
            var value = await tx.GetAsync(key, ct);
            if (value.HasValue)
            {
                Assert.Fail($"{txn}: key {key} was never written but a read found {ListAppendHistory.Show(value.GetValueOrDefault())}");
            }

            txn.Observe(key, null, "read-missing");
        }
        else
        {
            await ScanAsync(tx, txn, generation, random, ct);
        }
    }

    private static async Task ScanAsync(FluxTransaction<string, int[]> tx, ListAppendTransaction txn, int generation, Random random, CancellationToken ct)
    {
        IAsyncEnumerable<KeyValuePair<string, int[]>> scan;
        string[] covered;
        string description;
        var forward = true;
        switch (random.Next(4))
        {
            case 0:
                var whole = GenerationPrefix(generation);
                scan = tx.ScanPrefixAsync(whole, ct);
                covered = UniverseOf(generation);
                description = "prefix " + whole;
                break;
            case 1:
                var slot = random.Next(KeyWeights.Length);
                scan = tx.ScanPrefixAsync(Key(generation, slot), ct);
                covered = [Key(generation, slot), MissingKey(generation, slot)];
                description = "prefix " + Key(generation, slot);
                break;
            default:
                // A range within this generation, or reaching back into the previous one.
                string[] candidates = generation > 0 ? [.. UniverseOf(generation - 1), .. UniverseOf(generation)] : UniverseOf(generation);
                var a = random.Next(candidates.Length);
                var b = random.Next(candidates.Length);
                var (lo, hi) = (Math.Min(a, b), Math.Max(a, b));
                forward = random.Next(3) != 0;
                scan = forward
                    ? tx.ScanRangeAsync(candidates[lo], candidates[hi], ct)
                    : tx.ScanAsync(KeyRange<string>.Between(candidates[lo], candidates[hi]), ScanDirection.Reverse, ct);
                covered = candidates[lo..(hi + 1)];
                description = (forward ? "range " : "reverse range ") + candidates[lo] + ".." + candidates[hi];
                break;
        }

        var stopAfter = random.Next(3) == 0 ? 1 + random.Next(3) : int.MaxValue;
        var returned = new List<KeyValuePair<string, int[]>>();
        var completed = true;
        await foreach (var pair in scan)
        {
            if (!covered.Contains(pair.Key) || IsMissing(pair.Key))
            {
                Assert.Fail($"{txn}: {description} returned key {pair.Key}, which is outside the range or was never written");
            }

            if (returned.Count > 0)
            {
                var order = string.CompareOrdinal(returned[^1].Key, pair.Key);
                if (!(forward ? order < 0 : order > 0))
                {
                    Assert.Fail($"{txn}: {description} returned {pair.Key} after {returned[^1].Key}");
                }
            }

            returned.Add(pair);
            if (returned.Count >= stopAfter)
            {
                completed = false;
                break;
            }
        }

        txn.Log.Add(new ListAppendOperation(description, null, null, returned, completed));

        // A completed scan read every key of its range (a key it did not return is absent); one
        // stopped early read only the keys up to the last one it returned.
        var last = returned.Count > 0 ? returned[^1].Key : null;
        foreach (var key in covered)
        {
            if (!completed && (last is null || (forward ? string.CompareOrdinal(key, last) > 0 : string.CompareOrdinal(key, last) < 0)))
            {
                continue;
            }

            var found = returned.FindIndex(p => p.Key == key);
            txn.Observe(key, found >= 0 ? returned[found].Value : null, null);
        }
    }

    private static int PickSlot(Random random)
    {
        var roll = random.Next(KeyWeights.Sum());
        for (var slot = 0; slot < KeyWeights.Length; slot++)
        {
            roll -= KeyWeights[slot];
            if (roll < 0)
            {
                return slot;
            }
        }

        return KeyWeights.Length - 1;
    }

    private static string GenerationPrefix(int generation) => string.Create(CultureInfo.InvariantCulture, $"g{generation:D4}/");

    private static string Key(int generation, int slot) => string.Create(CultureInfo.InvariantCulture, $"g{generation:D4}/k{slot}");

    // Keys that are never written. Each sorts just after an appendable key ("g0001/k3" < "g0001/k3x"
    // < "g0001/k4"), so range and prefix scans cover them and must never return them.
    private static string MissingKey(int generation, int slot) => Key(generation, slot) + "x";

    private static bool IsMissing(string key) => key.EndsWith('x');

    // Every key of a generation, in key order.
    private static string[] UniverseOf(int generation) =>
        [.. Enumerable.Range(0, KeyWeights.Length).SelectMany(slot => new[] { Key(generation, slot), MissingKey(generation, slot) })];

    private enum TxnMode
    {
        ReadWrite,
        ReadOnly,
        Deferrable,
    }

    /// <summary>Ordinal string order with a hook that runs when a given key is compared or hashed.</summary>
    private sealed class HookedOrdinalComparer : IComparer<string>, IEqualityComparer<string>
    {
        private string? _key;
        private Action? _hook;
        private bool _everyTime;
        private bool _onHash;
        private bool _running;

        public void Arm(string key, Action hook, bool everyTime = false, bool onHash = false)
        {
            (_key, _hook, _everyTime, _onHash) = (key, hook, everyTime, onHash);
        }

        public void Disarm() => _hook = null;

        public int Compare(string? x, string? y)
        {
            if (!_onHash && (x == _key || y == _key))
            {
                Fire();
            }

            return string.CompareOrdinal(x, y);
        }

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj)
        {
            if (_onHash && obj == _key)
            {
                Fire();
            }

            return StringComparer.Ordinal.GetHashCode(obj);
        }

        private void Fire()
        {
            if (_hook is not { } hook || _running)
            {
                return;
            }

            _running = true;
            try
            {
                hook();
            }
            finally
            {
                _running = false;
                if (!_everyTime)
                {
                    _hook = null;
                }
            }
        }
    }

    private sealed class SharedCounters
    {
        public int NextElement;

        public int Generation;
    }

    private sealed class WorkerLog
    {
        public List<ListAppendTransaction> Committed { get; } = [];

        public List<int> AbortedElements { get; } = [];

        public int Conflicts { get; set; }

        public int CommitConflicts { get; set; }

        public int WriteWriteConflicts { get; set; }

        public int ReadWriteConflicts { get; set; }

        public int Rollbacks { get; set; }

        public int ReadOnlyCommitted { get; set; }
    }
}

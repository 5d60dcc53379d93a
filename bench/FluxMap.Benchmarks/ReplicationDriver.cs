using System.Diagnostics;

namespace FluxMap.Benchmarks;

/// <summary>
/// `-- replication [--seconds S] [--writers 1,8,64] [--readers R] [--stops N] [--keys K] [--quick]`:
/// three replicated members in this process on loopback against one Full-durability database on
/// the same disk, in the same run: commits/s with p50/p99 latency per writer count, read-only
/// transactions/s on a follower against the same read on the single node, and failover time (the
/// leader stopped → the first commit acknowledged by the new leader) over N stops.
/// </summary>
internal sealed class ReplicationDriver
{
    private readonly Settings _settings;
    private readonly string[] _keys;

    private ReplicationDriver(Settings settings)
    {
        _settings = settings;
        _keys = BenchmarkData.Keys(settings.Keys);
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Settings.Parse(args);
        Console.WriteLine($"Command: dotnet run -c Release --project bench/FluxMap.Benchmarks -- replication {string.Join(' ', args)}".TrimEnd());
        Console.WriteLine($"Machine: {BenchmarkData.Machine()}; load average at start: {BenchmarkData.LoadAverage()}");
        var replication = new FluxMap.Replication.ReplicationOptions();
        Console.WriteLine(
            $"Durability: Full on both sides (the cluster: a commit is acknowledged once a majority of 3 members holds its Raft entry; the single node: once fsynced). " +
            $"TKey=string (\"{BenchmarkData.Key(0)}\"), TValue=long, {settings.Keys:N0} keys; replication defaults (election timeout " +
            $"{replication.LowerElectionTimeout.TotalMilliseconds}-{replication.UpperElectionTimeout.TotalMilliseconds} ms, {replication.MaxCommitsPerEntry} commits per entry); " +
            $"{settings.Seconds.TotalSeconds:F0} s per measurement.");
        Console.WriteLine();
        await new ReplicationDriver(settings).RunAllAsync();
        Console.WriteLine($"Load average at end: {BenchmarkData.LoadAverage()}");
        return 0;
    }

    private async Task RunAllAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "fluxmap-bench-replication", Guid.NewGuid().ToString("N"));
        try
        {
            await using var single = await FluxDatabase.OpenAsync<string, long>(
                new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = Path.Combine(root, "single") });
            await using var cluster = await BenchCluster.StartAsync(Path.Combine(root, "cluster"));
            var handle = single.CreateHandle();
            await LoadAsync(handle, cluster);

            Console.WriteLine("1. Read-write transactions (read one random key, write it), each writer one at a time, no think time");
            Console.WriteLine($"   {"writers",7} | {"single node commits/s",22} {"p50 ms",8} {"p99 ms",8} | {"3 members commits/s",20} {"p50 ms",8} {"p99 ms",8} | cluster/single | Raft entries per commit");
            foreach (var writers in _settings.Writers)
            {
                var local = await MeasureAsync(writers, (key, ct) => handle.TransactionAsync((tx, c) => Increment(tx, key, c), ct));
                var leader = cluster.Members[await cluster.LeaderAsync()]!;
                var entriesBefore = leader.GetStatus().CommitIndex;
                var replicated = await MeasureAsync(writers, (key, ct) => cluster.CommitAsync((tx, c) => Increment(tx, key, c)));
                var entries = leader.GetStatus().CommitIndex - entriesBefore;
                Console.WriteLine(
                    $"   {writers,7} | {local.PerSecond,22:N0} {local.P50,8:F2} {local.P99,8:F2} | {replicated.PerSecond,20:N0} {replicated.P50,8:F2} {replicated.P99,8:F2} | " +
                    $"{replicated.PerSecond / local.PerSecond:F2}x | {entries / (replicated.PerSecond * _settings.Seconds.TotalSeconds):F2}");
            }

            Console.WriteLine();
            var readers = _settings.Readers;
            var follower = cluster.Members[(await cluster.LeaderAsync() + 1) % 3]!;
            var singleReads = await MeasureAsync(readers, (key, ct) => handle.TransactionAsync(ReadAsync(key), new TransactionOptions { ReadOnly = true }, ct).AsTask());
            var followerReads = await MeasureAsync(readers, (key, ct) => follower.ReadAsync(ReadAsync(key), ct).AsTask());
            Console.WriteLine($"2. Read-only transactions (one point read), {readers} readers");
            Console.WriteLine($"   single node: {singleReads.PerSecond:N0}/s (p50 {singleReads.P50:F3} ms, p99 {singleReads.P99:F3} ms)");
            Console.WriteLine($"   follower:    {followerReads.PerSecond:N0}/s (p50 {followerReads.P50:F3} ms, p99 {followerReads.P99:F3} ms)   follower/single {followerReads.PerSecond / singleReads.PerSecond:F2}x");
            Console.WriteLine();

            Console.WriteLine($"3. Failover: the leader stopped (DisposeAsync) → the first commit acknowledged by the new leader, {_settings.Stops} stops (the stopped member restarts between stops)");
            var failovers = await FailoversAsync(cluster);
            Console.WriteLine(
                $"   ms: min {failovers[0]:F0}, p50 {Percentile(failovers, 0.5):F0}, p90 {Percentile(failovers, 0.9):F0}, max {failovers[^1]:F0}, mean {failovers.Average():F0}  (each: {string.Join(' ', failovers.Select(f => f.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))})");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task LoadAsync(FluxHandle<string, long> single, BenchCluster cluster)
    {
        const int PerTransaction = 500;
        for (var start = 0; start < _keys.Length; start += PerTransaction)
        {
            var slice = _keys[start..Math.Min(_keys.Length, start + PerTransaction)];
            Func<FluxTransaction<string, long>, CancellationToken, ValueTask<int>> body = async (tx, ct) =>
            {
                foreach (var key in slice)
                {
                    await tx.InsertAsync(key, 0, ct);
                }

                return 0;
            };
            await single.TransactionAsync(body);
            await cluster.CommitAsync(body);
        }
    }

    private static async ValueTask<int> Increment(FluxTransaction<string, long> tx, string key, CancellationToken cancellationToken)
    {
        var value = await tx.GetAsync(key, cancellationToken);
        await tx.InsertAsync(key, value.Value + 1, cancellationToken);
        return 0;
    }

    private static Func<FluxTransaction<string, long>, CancellationToken, ValueTask<long>> ReadAsync(string key) =>
        async (tx, ct) => (await tx.GetAsync(key, ct)).Value;

    // Each worker runs one operation at a time on a random key until the time is up, timing every call.
    private async Task<Result> MeasureAsync<T>(int workers, Func<string, CancellationToken, Task<T>> operation)
    {
        using var stop = new CancellationTokenSource(_settings.Seconds);
        var started = Stopwatch.GetTimestamp();
        var latencies = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(BenchmarkData.Seed + w);
            var times = new List<double>();
            while (!stop.IsCancellationRequested)
            {
                var key = _keys[random.Next(_keys.Length)];
                var begin = Stopwatch.GetTimestamp();
                await operation(key, CancellationToken.None);
                times.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
            }

            return times;
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var all = latencies.SelectMany(t => t).Order().ToArray();
        return new Result(all.Length / elapsed.TotalSeconds, Percentile(all, 0.5), Percentile(all, 0.99));
    }

    private Task<Result> MeasureAsync(int workers, Func<string, CancellationToken, ValueTask<int>> operation) =>
        MeasureAsync(workers, (key, ct) => operation(key, ct).AsTask());

    private Task<Result> MeasureAsync(int workers, Func<string, CancellationToken, Task> operation) =>
        MeasureAsync(workers, async (key, ct) =>
        {
            await operation(key, ct);
            return 0;
        });

    private async Task<double[]> FailoversAsync(BenchCluster cluster)
    {
        var times = new List<double>();
        for (var i = 0; i < _settings.Stops; i++)
        {
            var leader = await cluster.LeaderAsync();
            var started = Stopwatch.GetTimestamp();
            await cluster.StopMemberAsync(leader);
            await cluster.CommitAsync((tx, ct) => Increment(tx, _keys[i % _keys.Length], ct));
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await cluster.StartMemberAsync(leader);
            await cluster.Members[leader]!.WaitForLeaderAsync();
        }

        return [.. times.Order()];
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Round(p * (sorted.Length - 1))];

    private sealed record Result(double PerSecond, double P50, double P99);

    private sealed record Settings(TimeSpan Seconds, int[] Writers, int Readers, int Stops, int Keys)
    {
        internal static Settings Parse(string[] args)
        {
            var quick = args.Contains("--quick");
            string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            return new Settings(
                TimeSpan.FromSeconds(double.Parse(Value("--seconds") ?? (quick ? "1" : "10"), System.Globalization.CultureInfo.InvariantCulture)),
                [.. (Value("--writers") ?? (quick ? "1,8" : "1,8,64")).Split(',').Select(int.Parse)],
                int.Parse(Value("--readers") ?? "8", System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(Value("--stops") ?? (quick ? "3" : "20"), System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(Value("--keys") ?? (quick ? "1000" : "100000"), System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

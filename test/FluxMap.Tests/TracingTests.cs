using System.Collections.Concurrent;
using System.Diagnostics;
using FluxMap.Diagnostics;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// The "FluxMap" activity source: transactions with their attempts, commits, open and checkpoint,
/// parented under the caller's activity, failures as error status; and nothing at all without a
/// listener. Listeners are process-wide, so these tests run alone.
/// </summary>
[Collection(nameof(TracingTests))]
public sealed class TracingTests
{
    private const string TestSourceName = "FluxMap.Tests.Tracing";

    private static readonly ActivitySource Test = new(TestSourceName);

    [Fact]
    public async Task A_retried_transaction_is_one_activity_with_an_event_per_begin_and_conflict_and_a_commit_child_per_attempt()
    {
        using var trace = new Trace();
        await using var db = await OpenAsync();
        await db.Handle.SeedAsync(("a", 1));

        using (var root = trace.Root())
        {
            var runs = 0;
            await db.Handle.TransactionAsync(
                async (tx, ct) =>
                {
                    var a = await tx.GetAsync("a", ct);
                    if (++runs == 1)
                    {
                        // Another writer commits the key first: first committer wins, this attempt conflicts.
                        await db.Handle.InsertAsync("a", 100, ct);
                    }

                    await tx.InsertAsync("a", a.Value + 1, ct);
                },
                Ct);
        }

        var transaction = trace.Single(FluxActivities.Transaction);
        Assert.Equal(trace.RootId, transaction.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, transaction.Status);
        Assert.Equal(2, transaction.GetTagItem(FluxActivities.AttemptsTag));
        Assert.Equal("default", transaction.GetTagItem(FluxActivities.DatabaseTag));
        Assert.Equal(false, transaction.GetTagItem(FluxActivities.ReadOnlyTag));
        Assert.Equal(
            [$"{FluxActivities.BeginEvent} 1", $"{FluxActivities.ConflictEvent} 1 WriteWrite", $"{FluxActivities.BeginEvent} 2"],
            transaction.Events.Select(e => $"{e.Name} {e.Tags.First(t => t.Key == FluxActivities.AttemptTag).Value}{Reason(e)}"));

        var commits = trace.All(FluxActivities.Commit);
        Assert.Equal(2, commits.Count);
        Assert.All(commits, commit => Assert.Equal(transaction.SpanId, commit.ParentSpanId));
        Assert.Equal([ActivityStatusCode.Error, ActivityStatusCode.Ok], commits.Select(c => c.Status == ActivityStatusCode.Unset ? ActivityStatusCode.Ok : c.Status));
        Assert.Equal("WriteWrite", commits[0].GetTagItem(FluxActivities.ConflictReasonTag));
        Assert.Equal(101, await db.Handle.ValueAsync("a"));

        static string Reason(ActivityEvent e) =>
            e.Tags.FirstOrDefault(t => t.Key == FluxActivities.ConflictReasonTag).Value is { } reason ? $" {reason}" : string.Empty;
    }

    [Fact]
    public async Task A_transaction_that_throws_or_runs_out_of_attempts_ends_with_error_status_and_the_exception()
    {
        using var trace = new Trace();
        await using var db = await OpenAsync(new FluxMapOptions { RetryBaseDelay = TimeSpan.Zero, MaxTransactionAttempts = 2 });
        await db.Handle.SeedAsync(("a", 1));

        using (trace.Root())
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () =>
                await db.Handle.TransactionAsync((_, _) => throw new InvalidOperationException("the body failed"), Ct));
            await Assert.ThrowsAsync<SerializationConflictException>(async () =>
                await db.Handle.TransactionAsync(
                    async (tx, ct) =>
                    {
                        var a = await tx.GetAsync("a", ct);
                        await db.Handle.InsertAsync("a", 0, ct);
                        await tx.InsertAsync("a", a.Value + 1, ct);
                    },
                    Ct));
        }

        var (thrown, exhausted) = (trace.All(FluxActivities.Transaction)[0], trace.All(FluxActivities.Transaction)[1]);
        Assert.Equal(ActivityStatusCode.Error, thrown.Status);
        Assert.Equal("the body failed", thrown.StatusDescription);
        Assert.Equal(1, thrown.GetTagItem(FluxActivities.AttemptsTag));
        var exception = Assert.Single(thrown.Events, e => e.Name == "exception");
        Assert.Contains(exception.Tags, t => t.Key == "exception.type" && Equals(t.Value, typeof(InvalidOperationException).FullName));

        Assert.Equal(ActivityStatusCode.Error, exhausted.Status);
        Assert.Equal(2, exhausted.GetTagItem(FluxActivities.AttemptsTag));
        Assert.Equal(2, exhausted.Events.Count(e => e.Name == FluxActivities.ConflictEvent));
        Assert.Equal("WriteWrite", exhausted.GetTagItem(FluxActivities.ConflictReasonTag));
        Assert.All(trace.All(FluxActivities.Commit), commit => Assert.Equal(exhausted.SpanId, commit.ParentSpanId));
    }

    [Fact]
    public async Task Open_and_checkpoint_are_activities_under_the_caller_and_a_failed_open_has_error_status()
    {
        using var trace = new Trace();
        using var dir = new TempDirectory();
        var options = new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = dir.Path };
        using (trace.Root())
        {
            await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithName("traced").OpenAsync(Ct);
            await db.CreateHandle().InsertAsync("a", 1, Ct);
            await db.CheckpointAsync(Ct);
            await Assert.ThrowsAsync<FluxMapIOException>(async () => await FluxDatabase.OpenAsync<string, int>(options, Ct));
        }

        var opens = trace.All(FluxActivities.Open);
        Assert.Equal(2, opens.Count);
        Assert.All(opens, open => Assert.Equal(trace.RootId, open.ParentSpanId));
        Assert.Equal(("traced", "Full", ActivityStatusCode.Unset), (opens[0].GetTagItem(FluxActivities.DatabaseTag), opens[0].GetTagItem(FluxActivities.DurabilityTag), opens[0].Status));
        Assert.Equal(ActivityStatusCode.Error, opens[1].Status);
        Assert.Contains("already in use", opens[1].StatusDescription, StringComparison.Ordinal);

        // The explicit checkpoint, then the close's.
        var checkpoint = trace.All(FluxActivities.Checkpoint)[0];
        Assert.Equal(trace.RootId, checkpoint.ParentSpanId);
        Assert.Equal(true, checkpoint.GetTagItem(FluxActivities.CheckpointFullTag));
        Assert.True((long)checkpoint.GetTagItem(FluxActivities.CheckpointLsnTag)! >= 1);
    }

    [Fact]
    public async Task A_backup_is_an_activity_naming_its_snapshot_and_a_refused_one_has_error_status()
    {
        using var trace = new Trace();
        using var dir = new TempDirectory();
        await using var db = await FluxDatabase.CreateBuilder<string, int>()
            .WithOptions(new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = Path.Combine(dir.Path, "db") })
            .WithName("traced")
            .OpenAsync(Ct);
        await db.CreateHandle().InsertAsync("a", 1, Ct);
        await db.CreateHandle().InsertAsync("b", 2, Ct);
        var occupied = Path.Combine(dir.Path, "occupied");
        Directory.CreateDirectory(occupied);
        await File.WriteAllTextAsync(Path.Combine(occupied, "keep.txt"), "not a backup", Ct);

        BackupResult result;
        using (trace.Root())
        {
            result = await db.BackupAsync(Path.Combine(dir.Path, "copy"), cancellationToken: Ct);
            await Assert.ThrowsAsync<IOException>(() => db.BackupAsync(occupied, cancellationToken: Ct));
        }

        var backups = trace.All(FluxActivities.Backup);
        Assert.Equal(2, backups.Count);
        Assert.All(backups, backup => Assert.Equal(trace.RootId, backup.ParentSpanId));
        Assert.Equal(("traced", result.SnapshotTimestamp, 2L, ActivityStatusCode.Unset), (
            backups[0].GetTagItem(FluxActivities.DatabaseTag),
            (long)backups[0].GetTagItem(FluxActivities.BackupSnapshotTag)!,
            (long)backups[0].GetTagItem(FluxActivities.BackupKeysTag)!,
            backups[0].Status));
        Assert.Equal(ActivityStatusCode.Error, backups[1].Status);
    }

    [Fact]
    public async Task An_explicit_commit_waiting_for_its_sync_leaves_the_callers_activity_current()
    {
        using var trace = new Trace();
        using var dir = new TempDirectory();
        await using var db = await FluxDatabase.OpenAsync<string, int>(new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = dir.Path }, Ct);
        var handle = db.CreateHandle();
        using var root = trace.Root();

        await using var tx = handle.BeginTransaction();
        await tx.InsertAsync("a", 1, Ct);
        var committed = tx.CommitAsync(Ct);
        Assert.Same(root, Activity.Current);
        await committed;
        Assert.Same(root, Activity.Current);

        var commit = trace.Single(FluxActivities.Commit);
        Assert.Equal(trace.RootId, commit.ParentSpanId);
        Assert.Equal(tx.Id, commit.GetTagItem(FluxActivities.TransactionIdTag));
    }

    [Fact]
    public async Task Without_a_listener_no_activity_is_started()
    {
        Assert.False(FluxActivities.Source.HasListeners());
        using var dir = new TempDirectory();
        await using var db = await FluxDatabase.CreateBuilder<string, int>()
            .WithOptions(new FluxMapOptions { Durability = DurabilityMode.Full, DataDirectory = dir.Path, RetryBaseDelay = TimeSpan.Zero })
            .OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("a", 1, Ct);

        var seen = new List<Activity?>();
        var runs = 0;
        await handle.TransactionAsync(
            async (tx, ct) =>
            {
                seen.Add(Activity.Current);
                var a = await tx.GetAsync("a", ct);
                if (++runs == 1)
                {
                    await handle.InsertAsync("a", 100, ct);
                }

                await tx.InsertAsync("a", a.Value + 1, ct);
            },
            Ct);
        await db.CheckpointAsync(Ct);

        Assert.Equal([null, null], seen);
        Assert.Null(Activity.Current);
    }

    /// <summary>Collects the stopped activities of one trace, begun by <see cref="Root"/>.</summary>
    private sealed class Trace : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;
        private ActivityTraceId _traceId;

        public Trace()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is FluxActivities.SourceName || source.Name == TestSourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.TraceId == _traceId)
                    {
                        _stopped.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public ActivitySpanId RootId { get; private set; }

        public Activity Root()
        {
            var root = Test.StartActivity("test")!;
            (_traceId, RootId) = (root.TraceId, root.SpanId);
            return root;
        }

        /// <summary>The activities named <paramref name="name"/>, in the order they stopped.</summary>
        public List<Activity> All(string name) => [.. _stopped.Where(a => a.OperationName == name)];

        public Activity Single(string name) => Assert.Single(All(name));

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>Runs the tracing tests with no other test at the same time: an activity listener hears the whole process.</summary>
[CollectionDefinition(nameof(TracingTests), DisableParallelization = true)]
public sealed class ActivityListeningTests;

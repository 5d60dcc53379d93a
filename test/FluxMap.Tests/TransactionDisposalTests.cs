using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// Disposing a transaction while one of its calls still runs, a misuse that must fail alone and
/// loudly: the call's write reaches no other transaction through the pooled workspace, and a
/// commit either commits its writes or throws. Each call is stopped inside a callback it runs (an
/// update function, a key comparer, a value formatter) while the test disposes the transaction.
/// </summary>
public sealed class TransactionDisposalTests
{
    private const int Marker = -7;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_write_its_transaction_was_disposed_during_fails_and_the_next_transaction_commits_only_its_own(bool wroteBefore)
    {
        using var hold = new Hold();
        await using var db = await OpenAsync();
        var handle = db.Handle;
        await handle.SeedAsync(("kept", 1));
        var tx = handle.BeginTransaction();
        if (wroteBefore)
        {
            await tx.InsertAsync("earlier", 1, Ct);
        }

        // The update function runs after the read and before the write reaches the workspace, which
        // the write rents first when the transaction has none yet.
        hold.Arm();
        var stray = Task.Run(async () => await tx.UpdateAsync("stray", _ => { hold.StopIfArmed(); return 2; }, Ct), Ct);
        await hold.Reached.WaitAsync(Ct);
        await tx.DisposeAsync();
        hold.Release();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => stray);
        Assert.Equal(TransactionStatus.RolledBack, tx.Status);
        await using var next = handle.BeginTransaction();
        await next.InsertAsync("next", 3, Ct);
        Assert.Equal(1, next.Workspace!.Count);
        await next.CommitAsync(Ct);
        Assert.Equal("kept,next", await handle.ScanAsync(KeyRange<string>.All, cancellationToken: Ct).KeysAsync());
    }

    [Fact]
    public async Task A_commit_that_took_the_commit_lock_before_its_transaction_was_disposed_stands_and_says_so()
    {
        using var hold = new Hold();
        var keys = new HoldingComparer("stray", hold);
        var options = new FluxMapOptions { RetryBaseDelay = TimeSpan.Zero, VacuumInterval = TimeSpan.Zero, ExpirationSweepInterval = TimeSpan.Zero };
        await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(options).WithComparer(keys, keys).OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("kept", 1, Ct);
        var tx = handle.BeginTransaction();
        await tx.InsertAsync("stray", 2, Ct);

        // In memory the commit first meets its key under the commit lock, in its write-write check.
        hold.Arm();
        var commit = Task.Run(async () => await tx.CommitAsync(Ct), Ct);
        await hold.Reached.WaitAsync(Ct);

        // The dispose runs on a thread of its own and waits at the commit lock before the commit goes on.
        var disposer = new TaskCompletionSource<Thread>(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposing = Task.Factory.StartNew(
            () =>
            {
                disposer.SetResult(Thread.CurrentThread);
                return tx.DisposeAsync().AsTask();
            },
            Ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();
        var thread = await disposer.Task.WaitAsync(Ct);
        while ((thread.ThreadState & ThreadState.WaitSleepJoin) == 0)
        {
            Ct.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        hold.Release();
        await commit;
        await disposing;

        Assert.Equal(TransactionStatus.Committed, tx.Status);
        Assert.Equal(2, await handle.ValueAsync("stray"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await tx.GetAsync("stray", Ct));
    }

    [Fact]
    public async Task A_commit_whose_transaction_was_disposed_before_it_took_the_commit_lock_fails_and_commits_nothing()
    {
        using var hold = new Hold();
        var values = CompositeResolver.Create([new HoldingFormatter(hold)], [StandardResolver.Instance]);
        var options = new FluxMapOptions
        {
            Durability = DurabilityMode.Full,
            DataDirectory = "/faulty/db",
            RetryBaseDelay = TimeSpan.Zero,
            VacuumInterval = TimeSpan.Zero,
            ExpirationSweepInterval = TimeSpan.Zero,
        };
        await using var db = await FluxDatabase.CreateBuilder<string, int>()
            .WithOptions(options)
            .WithStorage(new FaultyStorage())
            .WithSerializerOptions(MessagePackSerializerOptions.Standard.WithResolver(values))
            .OpenAsync(Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("kept", 1, Ct);
        var tx = handle.BeginTransaction();
        await tx.InsertAsync("stray", Marker, Ct);

        // A durable commit encodes its writes before it takes the commit lock.
        hold.Arm();
        var commit = Task.Run(async () => await tx.CommitAsync(Ct), Ct);
        await hold.Reached.WaitAsync(Ct);
        await tx.DisposeAsync();
        hold.Release();

        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => commit);
        Assert.Equal(TransactionStatus.RolledBack, tx.Status);
        Assert.False(await handle.ContainsKeyAsync("stray", Ct));
        Assert.Equal(1, await handle.ValueAsync("kept"));
    }

    /// <summary>Where a call stops, inside a callback it runs, until the test lets it go on: the first time the callback runs after <see cref="Arm"/>.</summary>
    private sealed class Hold : IDisposable
    {
        private readonly ManualResetEventSlim _released = new();
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Reached => _reached.Task;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void StopIfArmed()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _reached.SetResult();
                _released.Wait(Ct);
            }
        }

        public void Release() => _released.Set();

        public void Dispose() => _released.Dispose();
    }

    /// <summary>Ordinal string order that stops at a hold when it compares or hashes one key.</summary>
    private sealed class HoldingComparer(string key, Hold hold) : IComparer<string>, IEqualityComparer<string>
    {
        public int Compare(string? x, string? y)
        {
            if (x == key || y == key)
            {
                hold.StopIfArmed();
            }

            return string.CompareOrdinal(x, y);
        }

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj)
        {
            if (obj == key)
            {
                hold.StopIfArmed();
            }

            return StringComparer.Ordinal.GetHashCode(obj);
        }
    }

    /// <summary>Writes ints as MessagePack does, stopping at a hold when it writes <see cref="Marker"/>.</summary>
    private sealed class HoldingFormatter(Hold hold) : IMessagePackFormatter<int>
    {
        public void Serialize(ref MessagePackWriter writer, int value, MessagePackSerializerOptions options)
        {
            if (value == Marker)
            {
                hold.StopIfArmed();
            }

            writer.Write(value);
        }

        public int Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadInt32();
    }
}

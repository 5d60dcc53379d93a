namespace FluxMap.Replication;

/// <summary>
/// One member of a replicated FluxMap cluster. Read-write transactions run on any member and
/// commit on the leader under serializable snapshot isolation (a follower's are validated there);
/// they are acknowledged, and visible, once a majority of members holds them; every member applies them in Raft log order and serves read-only transactions at
/// its own applied state: serializable, possibly stale (see <see cref="WaitForCommitAsync"/> and
/// <see cref="ReadBarrierAsync"/> for fresher reads).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed partial class ReplicatedFluxDatabase<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    private readonly ReplicaNode<TKey, TValue> _node;

    internal ReplicatedFluxDatabase(ReplicaNode<TKey, TValue> node) => _node = node;

    /// <summary>Gets a value indicating whether this member leads the cluster and takes commits now.</summary>
    public bool IsLeader => _node.IsLeading;

    /// <summary>Gets the newest commit this member applied: after a write on the leader, a position that covers it.</summary>
    public long CommitPosition => _node.Machine.Applied;

    /// <summary>Gets the newest commit a new read-only transaction on this member sees; 0 while the member replaces its state (a snapshot being installed).</summary>
    /// <exception cref="ObjectDisposedException">The member closed.</exception>
    public long VisiblePosition => _node.Host.Current is { } database ? Visible(database) : 0;

    internal ReplicaNode<TKey, TValue> Node => _node;

    /// <summary>
    /// Runs <paramref name="body"/> in a read-write transaction on this member, whichever it is:
    /// commits on return, retries on a serialization conflict (a change of leader included) as
    /// <see cref="FluxHandle{TKey, TValue}.TransactionAsync{TResult}(Func{FluxTransaction{TKey, TValue}, CancellationToken, ValueTask{TResult}}, CancellationToken)"/>
    /// does, and returns once a majority of members holds the commit and this member shows it.
    /// </summary>
    /// <remarks>
    /// On the leader the transaction commits there. On a follower the body runs on the follower's
    /// snapshot with its writes buffered; at the end what it read (keys and ranges) and wrote go to
    /// the leader, which reads the same in a transaction of its own, commits the writes in it if
    /// nothing it read has changed since the follower's snapshot, and answers a conflict otherwise:
    /// the body then runs again, on the follower's newer state. This costs a round trip to the
    /// leader on top of the leader's round trip to a majority, and the wait until the follower
    /// applies the commit (up to one heartbeat). A body that only reads is not sent: its snapshot is
    /// one every follower read is serializable at. Cancellation is observed until the transaction is
    /// sent; from then on its outcome is the leader's.
    /// </remarks>
    /// <typeparam name="TResult">What the body returns.</typeparam>
    /// <param name="body">The work; it may run more than once.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What the committed attempt returned.</returns>
    /// <exception cref="SerializationConflictException">The retries ran out (on conflicts, or without a reachable leader).</exception>
    /// <exception cref="ArgumentException">A key or value written cannot be encoded; on a follower, nothing was sent.</exception>
    /// <exception cref="CommitOutcomeUnknownException">A follower sent the transaction and lost the connection to the leader, or got no answer in time: it may have committed.</exception>
    /// <exception cref="ObjectDisposedException">The member closed, possibly while this commit was in the Raft log or on its way to the leader, before its outcome was known.</exception>
    /// <exception cref="InvalidOperationException">On a follower: the transaction is larger than a forwarding frame (16 MiB), or the leader could not read it.</exception>
    public async ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        while (true)
        {
            await _node.Host.Changed.WaitAsync(Readable, cancellationToken).ConfigureAwait(false);
            if (_node.Host.Current is not { } database)
            {
                continue;
            }

            try
            {
                return await database.CreateHandle().TransactionAsync(body, null, _node.Forwarding.CommitAsync, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException) when (!ReferenceEquals(database, _node.Host.Current))
            {
                // The member rebuilt its database under the transaction; run it again on the new one.
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a read-only transaction on this member, at its newest
    /// visible commit: serializable (a follower shows only commits no concurrent transaction can
    /// still be serialized before), possibly behind the leader.
    /// </summary>
    /// <typeparam name="TResult">What the body returns.</typeparam>
    /// <param name="body">The reads.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>What the body returned.</returns>
    public async ValueTask<TResult> ReadAsync<TResult>(Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        while (true)
        {
            await _node.Host.Changed.WaitAsync(Readable, cancellationToken).ConfigureAwait(false);
            if (_node.Host.Current is not { } database)
            {
                continue;
            }

            try
            {
                return await database.CreateHandle().TransactionAsync(body, new TransactionOptions { ReadOnly = true }, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException) when (!ReferenceEquals(database, _node.Host.Current))
            {
            }
        }
    }

    /// <summary>Waits until this member shows every commit up to <paramref name="position"/> (a <see cref="CommitPosition"/> read elsewhere): read-your-writes on any member.</summary>
    /// <param name="position">The commit position to wait for.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once a new read-only transaction here sees the position.</returns>
    public ValueTask WaitForCommitAsync(long position, CancellationToken cancellationToken = default) =>
        _node.Host.Changed.WaitAsync(() => _node.Shown >= position, cancellationToken);

    /// <summary>
    /// Waits until this member shows every commit acknowledged anywhere before the call: a read
    /// after it is linearizable. Costs a round trip to the leader (and, on the leader, to a majority).
    /// </summary>
    /// <remarks>
    /// A leader that goes away during the call is not an error: the barrier is sent again to the
    /// next one, for up to <see cref="ReplicationOptions.RequestTimeout"/> plus twice
    /// <see cref="ReplicationOptions.UpperElectionTimeout"/> (time to notice the loss and elect).
    /// </remarks>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the member caught up.</returns>
    /// <exception cref="TimeoutException">No leader confirmed the barrier in that time: the member may be cut off from a majority.</exception>
    public async ValueTask ReadBarrierAsync(CancellationToken cancellationToken = default)
    {
        await _node.ReadBarrierAsync(cancellationToken).ConfigureAwait(false);
        await WaitForCommitAsync(_node.Machine.Applied, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the cluster and closes the database (its last checkpoint keeps what it applied).</summary>
    /// <returns>A task that completes once everything is closed.</returns>
    public ValueTask DisposeAsync() => _node.DisposeAsync();

    private static long Visible(FluxDatabase<TKey, TValue> database) => Volatile.Read(ref database.Engine.Clock.VisibleRef);

    private bool Readable() => _node.Shown >= 0;
}

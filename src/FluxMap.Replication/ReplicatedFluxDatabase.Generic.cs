namespace FluxMap.Replication;

/// <summary>
/// One member of a replicated FluxMap cluster. Read-write transactions run on the leader under
/// serializable snapshot isolation and are acknowledged, and visible, once a majority of members
/// holds them; every member applies them in Raft log order and serves read-only transactions at
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
    /// Runs <paramref name="body"/> in a read-write transaction on the leader: commits on return,
    /// retries on a serialization conflict (a change of leader included) as
    /// <see cref="FluxHandle{TKey, TValue}.TransactionAsync{TResult}(Func{FluxTransaction{TKey, TValue}, CancellationToken, ValueTask{TResult}}, CancellationToken)"/>
    /// does, and returns once a majority of members holds the commit.
    /// </summary>
    /// <typeparam name="TResult">What the body returns.</typeparam>
    /// <param name="body">The work; it may run more than once.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What the committed attempt returned.</returns>
    /// <exception cref="SerializationConflictException">This member does not lead (transient: retry on the leader), or the retries ran out.</exception>
    /// <exception cref="ObjectDisposedException">The member closed, possibly while this commit was in the Raft log and before its outcome was known.</exception>
    public async ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<TKey, TValue>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        while (true)
        {
            if (!_node.IsLeading)
            {
                throw NotLeader.Conflict("this member is not the leader of the cluster; send read-write transactions to the leader.");
            }

            if (_node.Host.Current is not { } database)
            {
                throw NotLeader.Conflict("this member is replacing its state.");
            }

            try
            {
                return await database.CreateHandle().TransactionAsync(body, cancellationToken).ConfigureAwait(false);
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
        _node.Host.Changed.WaitAsync(() => Readable() && VisiblePosition >= position, cancellationToken);

    /// <summary>
    /// Waits until this member shows every commit acknowledged anywhere before the call: a read
    /// after it is linearizable. Costs a round trip to the leader (and, on the leader, to a majority).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the member caught up.</returns>
    public async ValueTask ReadBarrierAsync(CancellationToken cancellationToken = default)
    {
        await _node.Cluster.ApplyReadBarrierAsync(DotNext.Net.Cluster.Consensus.Raft.ReadBarrierType.Strong, cancellationToken).ConfigureAwait(false);
        await WaitForCommitAsync(_node.Machine.Applied, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the cluster and closes the database (its last checkpoint keeps what it applied).</summary>
    /// <returns>A task that completes once everything is closed.</returns>
    public ValueTask DisposeAsync() => _node.DisposeAsync();

    private static long Visible(FluxDatabase<TKey, TValue> database) => Volatile.Read(ref database.Engine.Clock.VisibleRef);

    // A follower that rebuilt its state shows it only once its safe point reached it again; a
    // member replacing its state shows nothing until the new one is open.
    private bool Readable() => _node.Host.Current is { } database && (_node.IsLeading || _node.Machine.Safe >= Visible(database));
}

using System.Net;
using MessagePack;

namespace FluxMap.Replication;

/// <summary>
/// Read-write transactions on any member. A transaction that may not commit where it ran (see
/// <see cref="RaftLogSession{TKey, TValue}.MayCommitLocally"/>) is recorded
/// (<see cref="ForwardedCommit{TKey, TValue}"/>) and sent to the leader's forwarding endpoint;
/// the leader reads everything again in a transaction of its own, adds the writes if nothing
/// changed and commits it as any other, and answers with the commit's position, which the
/// member waits to show before the transaction returns (read-your-writes).
/// </summary>
internal sealed class CommitForwarding<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    private readonly ReplicaNode<TKey, TValue> _node;
    private readonly EngineHost<TKey, TValue> _host;
    private readonly int _portOffset;
    private readonly TimeSpan _timeout;
    private readonly ForwardingClient _client;

    internal CommitForwarding(ReplicationOptions options, ReplicaNode<TKey, TValue> node)
    {
        _node = node;
        _host = node.Host;
        _portOffset = options.ForwardingPortOffset;
        _timeout = options.RequestTimeout;
        _client = new ForwardingClient(options.RequestTimeout);
        Server = new ForwardingServer(ForwardingEndPoint(IPEndPoint.Parse(options.LocalEndPoint!)), HandleAsync);
    }

    internal ForwardingServer Server { get; }

    /// <summary>The commit step of a transaction on this member: local while it leads and may, else through the leader.</summary>
    /// <exception cref="ArgumentException">A key or value written cannot be encoded; nothing was sent.</exception>
    /// <exception cref="InvalidOperationException">The transaction is larger than a forwarding frame, or the leader could not read it.</exception>
    /// <exception cref="SerializationConflictException">Not committed, transient: what it read changed, or no leader could take it.</exception>
    /// <exception cref="CommitOutcomeUnknownException">Sent, and no answer came back.</exception>
    internal async ValueTask CommitAsync(FluxTransaction<TKey, TValue> transaction, CancellationToken cancellationToken)
    {
        var snapshot = transaction.Record.Snapshot;
        if (_host.Session.MayCommitLocally(snapshot))
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // Reads alone on a follower's safe snapshot are serializable as they are (as ReadAsync's are).
        if (!transaction.WithWrites(0, static (_, workspace) => workspace is { Count: > 0 }) && snapshot <= _node.Machine.Safe)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var request = ForwardedCommit<TKey, TValue>.Record(transaction, _host.Source.Codec).Encode(_host.Source.Codec.Options);
        if (request.Length > Frames.MaxPayload)
        {
            throw new InvalidOperationException(
                $"Transaction {transaction.Id} is {request.Length} bytes to send to the leader; a forwarded transaction is at most {Frames.MaxPayload} bytes. Run it on the leader, or split it.");
        }

        var leader = await LeaderAsync(cancellationToken).ConfigureAwait(false);
        var reply = ForwardingReply.Decode(await _client.SendAsync(leader, request, cancellationToken).ConfigureAwait(false));
        switch (reply.Outcome)
        {
            case ForwardingOutcome.Committed:
                await WaitToShowAsync(reply.Position).ConfigureAwait(false);
                return;
            case ForwardingOutcome.Conflict:
                // The retry runs on this member's state: let it show the change first, or it only collides again.
                await WaitToShowAsync(reply.Position, _timeout).ConfigureAwait(false);
                throw new SerializationConflictException(
                    $"The leader refused transaction {transaction.Id}: {reply.Message} Retry the transaction.", ConflictReason.ReadWrite, transaction.Id, null, null);
            case ForwardingOutcome.NotLeader:
                throw NotLeader.Conflict($"the member at {leader} answered: {reply.Message}");
            case ForwardingOutcome.Unknown:
                throw new CommitOutcomeUnknownException($"The outcome of transaction {transaction.Id} is unknown: {reply.Message} It may have committed.");
            default:
                throw new InvalidOperationException($"The leader could not take transaction {transaction.Id}: {reply.Message}");
        }
    }

    /// <summary>Fails the transactions this member forwarded and still waits for, and takes no more from others.</summary>
    internal async ValueTask StopAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        Server.Stop();
    }

    /// <summary>Stops, then waits for the transactions taken from others (close the database first: they end with it).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
    }

    private IPEndPoint ForwardingEndPoint(IPEndPoint raft) => new(raft.Address, raft.Port + _portOffset);

    // The leader's forwarding endpoint; while none is known (an election), waits up to the request timeout.
    private async ValueTask<IPEndPoint> LeaderAsync(CancellationToken cancellationToken)
    {
        var cluster = _node.Cluster;
        if (!await _host.Changed.WaitAsync(() => cluster.Leader?.EndPoint is IPEndPoint, _timeout, cancellationToken).ConfigureAwait(false))
        {
            throw NotLeader.Conflict($"no leader was known within {_timeout}.");
        }

        return cluster.Leader?.EndPoint is IPEndPoint raft ? ForwardingEndPoint(raft) : throw NotLeader.Conflict("the leader just went away.");
    }

    // Once the outcome is the leader's, the caller's token no longer applies: only closing the member ends the wait.
    // Past atMost, the caller goes on with what this member shows by then.
    private async ValueTask WaitToShowAsync(long position, TimeSpan? atMost = null) =>
        await _host.Changed.WaitAsync(() => _node.Shown >= position, atMost ?? Timeout.InfiniteTimeSpan, CancellationToken.None).ConfigureAwait(false);

    // The leader's side: never throws; every outcome is an answer.
    private async Task<byte[]> HandleAsync(byte[] request, CancellationToken cancellationToken)
    {
        ForwardedCommit<TKey, TValue> commit;
        try
        {
            commit = ForwardedCommit<TKey, TValue>.Decode(request, _host.Source.Codec.Options);
        }
        catch (MessagePackSerializationException e)
        {
            return new ForwardingReply(ForwardingOutcome.Failed, 0, $"the request could not be read ({e.Message}).").Encode();
        }

        var committing = false;
        try
        {
            if (!_host.Session.IsLeading || _host.Current is not { } database)
            {
                return new ForwardingReply(ForwardingOutcome.NotLeader, 0, "this member does not lead the cluster.").Encode();
            }

            var transaction = database.CreateHandle().BeginTransaction();
            await using (transaction.ConfigureAwait(false))
            {
                // Behind the follower's snapshot, an older version could pass for the one the follower read.
                if (!_host.Session.MayCommitLocally(transaction.Record.Snapshot) || transaction.Record.Snapshot < commit.Since)
                {
                    return new ForwardingReply(ForwardingOutcome.NotLeader, 0, "this member is not ready to lead yet.").Encode();
                }

                if (commit.FindChange(transaction, database.Engine.Keys.Comparer) is { } change)
                {
                    return new ForwardingReply(
                        ForwardingOutcome.Conflict,
                        change.Commit,
                        $"key {Storage.KeyFormatter.Format(change.Key)} changed after the snapshot it read (commit {commit.Since}).").Encode();
                }

                commit.Apply(transaction, _host.Source.Codec);
                committing = true;
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return new ForwardingReply(ForwardingOutcome.Committed, transaction.Record.CommitTimestamp, null).Encode();
            }
        }
        catch (SerializationConflictException e)
        {
            return new ForwardingReply(ForwardingOutcome.Conflict, e.ConflictingCommit, e.Message).Encode();
        }
        catch (ObjectDisposedException e) when (committing)
        {
            return new ForwardingReply(ForwardingOutcome.Unknown, 0, $"the leader closed while the commit was in its Raft log ({e.Message}).").Encode();
        }
        catch (ObjectDisposedException)
        {
            return new ForwardingReply(ForwardingOutcome.NotLeader, 0, "this member is closing or replacing its state.").Encode();
        }
        catch (Exception e) when (e is ArgumentException or MessagePackSerializationException)
        {
            return new ForwardingReply(committing ? ForwardingOutcome.Unknown : ForwardingOutcome.Failed, 0, e.Message).Encode();
        }
    }
}

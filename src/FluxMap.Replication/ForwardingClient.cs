using System.Net;
using System.Net.Sockets;

namespace FluxMap.Replication;

/// <summary>
/// A follower's way to the leader's forwarding endpoint: one connection, kept while the leader
/// stays the same and replaced when it changes or breaks. Failing to reach the leader sends
/// nothing, so it is a transient conflict; what happens after a request is on the wire is not.
/// </summary>
internal sealed class ForwardingClient(TimeSpan timeout) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ForwardingConnection? _connection;
    private bool _closed;

    /// <summary>Sends <paramref name="request"/> to the leader's forwarding endpoint and returns its reply.</summary>
    /// <exception cref="SerializationConflictException">The leader could not be reached; nothing was sent (transient).</exception>
    /// <exception cref="CommitOutcomeUnknownException">The request was sent and no answer came back.</exception>
    /// <exception cref="ObjectDisposedException">The member closed.</exception>
    internal async Task<byte[]> SendAsync(IPEndPoint endPoint, byte[] request, CancellationToken cancellationToken)
    {
        var connection = await ConnectionToAsync(endPoint, cancellationToken).ConfigureAwait(false);

        // Both ways each take up to the timeout: the request and the leader's round trip to a majority.
        return await connection.SendAsync(request, timeout * 2, Unsent, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        ForwardingConnection? connection;
        await _connecting.WaitAsync().ConfigureAwait(false);
        try
        {
            _closed = true;
            connection = _connection;
            _connection = null;
        }
        finally
        {
            _connecting.Release();
        }

        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Exception Unsent(Exception failure) =>
        failure as ObjectDisposedException ?? (Exception)NotLeader.Conflict($"the connection to the leader broke before the transaction was sent ({failure.Message}).");

    private async Task<ForwardingConnection> ConnectionToAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ForwardingConnection? replaced = null;
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_closed, typeof(ReplicatedFluxDatabase<,>));
            if (_connection is { IsBroken: false } current && current.EndPoint.Equals(endPoint))
            {
                return current;
            }

            // A new leader, or a broken connection: requests still waiting on the old one end as unknown (the old leader may have committed them).
            replaced = _connection;
            _connection = null;
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connecting.CancelAfter(timeout);
            try
            {
                _connection = await ForwardingConnection.ConnectAsync(endPoint, connecting.Token).ConfigureAwait(false);
                return _connection;
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw NotLeader.Conflict($"the leader's forwarding endpoint {endPoint} could not be reached ({e.Message}).");
            }
        }
        finally
        {
            _connecting.Release();
            if (replaced is not null)
            {
                replaced.Break(new CommitOutcomeUnknownException(
                    $"The outcome of the transaction is unknown: the leader changed while it waited for the answer of the old one at {replaced.EndPoint}. It may have committed."));
                await replaced.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

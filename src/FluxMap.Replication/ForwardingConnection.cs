using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FluxMap.Replication;

/// <summary>
/// A follower's connection to one leader's forwarding endpoint. Requests are multiplexed: each
/// frame carries an id, one loop reads the replies and hands each to its request, so many
/// transactions wait for the leader at once (and share its group commit). Once the connection
/// breaks, every request still waiting fails with the error that broke it.
/// </summary>
internal sealed class ForwardingConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<byte[]>> _waiting = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _reading;
    private Exception? _failure;
    private long _lastId;

    private ForwardingConnection(IPEndPoint endPoint, TcpClient client)
    {
        EndPoint = endPoint;
        _client = client;
        _stream = client.GetStream();
        _reading = Task.Run(ReadLoopAsync, CancellationToken.None);
    }

    internal IPEndPoint EndPoint { get; }

    internal bool IsBroken => Volatile.Read(ref _failure) is not null;

    /// <exception cref="SocketException">The endpoint refused or did not answer.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (the caller's, or its timeout).</exception>
    internal static async Task<ForwardingConnection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var client = new TcpClient(endPoint.AddressFamily) { NoDelay = true };
        try
        {
            await client.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new ForwardingConnection(endPoint, client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> and waits for its reply. Until the frame is being written,
    /// the request was not sent: <paramref name="cancellationToken"/> cancels it, a broken
    /// connection fails it as <paramref name="unsent"/> says. From then on its outcome is the
    /// leader's: only the reply, <paramref name="timeout"/> or a broken connection ends the wait.
    /// </summary>
    internal async Task<byte[]> SendAsync(byte[] request, TimeSpan timeout, Func<Exception, Exception> unsent, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _lastId);
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = reply;
        try
        {
            await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _failure) is { } failure)
                {
                    throw unsent(failure);
                }

                using var sending = new CancellationTokenSource(timeout);
                try
                {
                    await Frames.WriteAsync(_stream, id, request, sending.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // Part of the frame may be on the wire: nothing more can go on this connection.
                    Break(Unknown($"sending to the leader at {EndPoint} failed ({e.Message})", e));
                }
            }
            finally
            {
                _sending.Release();
            }

            try
            {
                return await reply.Task.WaitAsync(timeout, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw Unknown($"the leader at {EndPoint} sent no answer within {timeout}", e);
            }
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    /// <summary>Fails every waiting request with <paramref name="failure"/> and closes the connection.</summary>
    internal void Break(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is not null)
        {
            return;
        }

        _closed.Cancel();
        _client.Dispose();
        foreach (var waiting in _waiting.Values)
        {
            waiting.TrySetException(failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Break(new ObjectDisposedException(nameof(ReplicatedFluxDatabase<,>), "The member closed while a transaction it forwarded to the leader waited for the answer; it may have committed."));
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closed.Dispose();
        _sending.Dispose();
    }

    private static CommitOutcomeUnknownException Unknown(string what, Exception? cause) =>
        new($"The outcome of the transaction is unknown: {what}. It may have committed.", cause);

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await Frames.ReadAsync(_stream, _closed.Token).ConfigureAwait(false) is var (id, payload))
            {
                if (_waiting.TryGetValue(id, out var waiting))
                {
                    waiting.TrySetResult(payload);
                }
            }

            Break(Unknown($"the leader at {EndPoint} closed the connection", null));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            Break(Unknown($"the connection to the leader at {EndPoint} broke ({e.Message})", e));
        }
    }
}

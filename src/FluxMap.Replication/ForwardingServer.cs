using System.Net;
using System.Net.Sockets;

namespace FluxMap.Replication;

/// <summary>
/// Every member's forwarding endpoint, where followers send read-write transactions while this
/// member leads. One loop per connection reads requests; each is handled on its own task and
/// answered on the same connection with the request's id, whatever the order they finish in.
/// </summary>
internal sealed class ForwardingServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<byte[], CancellationToken, Task<byte[]>> _handle;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private readonly HashSet<TcpClient> _clients = [];
    private Task _accepting = Task.CompletedTask;
    private int _received;

    /// <param name="endPoint">Where to listen.</param>
    /// <param name="handle">Answers a request; never throws.</param>
    internal ForwardingServer(IPEndPoint endPoint, Func<byte[], CancellationToken, Task<byte[]>> handle)
    {
        _listener = new TcpListener(endPoint);
        _handle = handle;
    }

    /// <summary>Gets how many requests arrived.</summary>
    internal int Received => Volatile.Read(ref _received);

    /// <summary>A test seam: when set, each request waits for it before it is handled.</summary>
    internal Func<Task>? Holding { get; set; }

    /// <exception cref="SocketException">The endpoint is taken.</exception>
    internal void Start()
    {
        _listener.Start();
        _accepting = Task.Run(AcceptLoopAsync, CancellationToken.None);
    }

    /// <summary>Stops listening and closes every connection; requests being handled run on, their answers go nowhere.</summary>
    internal void Stop()
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            _listener.Stop();
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Stops, then waits for the requests being handled.</summary>
    public async ValueTask DisposeAsync()
    {
        Stop();
        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            lock (_gate)
            {
                if (stopping.IsCancellationRequested)
                {
                    client.Dispose();
                    return;
                }

                _clients.Add(client);
            }

            Track(ServeAsync(client, stopping));
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stopping)
    {
        var stream = client.GetStream();
        using var sending = new SemaphoreSlim(1, 1);
        var handling = new List<Task>();
        try
        {
            while (await Frames.ReadAsync(stream, stopping).ConfigureAwait(false) is var (id, request))
            {
                Interlocked.Increment(ref _received);
                handling.RemoveAll(t => t.IsCompleted);
                handling.Add(AnswerAsync(stream, sending, id, request, stopping));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            // The follower went away or broke the protocol: its requests still running finish, their answers go nowhere.
        }
        finally
        {
            await Task.WhenAll(handling).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_gate)
            {
                _clients.Remove(client);
            }

            client.Dispose();
        }
    }

    private async Task AnswerAsync(Stream stream, SemaphoreSlim sending, long id, byte[] request, CancellationToken stopping)
    {
        await Task.Yield();
        if (Holding is { } holding)
        {
            await holding().ConfigureAwait(false);
        }

        var reply = await _handle(request, stopping).ConfigureAwait(false);
        await sending.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await Frames.WriteAsync(stream, id, reply, stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The follower finds the connection broken and reports the outcome as unknown.
        }
        finally
        {
            sending.Release();
        }
    }

    private void Track(Task task)
    {
        lock (_gate)
        {
            _running.Add(task);
        }

        _ = task.ContinueWith(
            t =>
            {
                lock (_gate)
                {
                    _running.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}

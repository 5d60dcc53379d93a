using System.Net;
using System.Net.Sockets;
using FluxMap;

namespace RespServer;

/// <summary>A running server: the database, the listening socket on 127.0.0.1 and the open connections. Dispose it to stop.</summary>
public sealed class RespServerHost : IAsyncDisposable
{
    private readonly FluxDatabase<byte[], byte[]> _database;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();

    // Touched only by the accept loop, and by DisposeAsync once that loop has ended.
    private readonly List<Task> _connections = [];
    private Task _accepting = Task.CompletedTask;

    private RespServerHost(FluxDatabase<byte[], byte[]> database, Socket listener)
    {
        _database = database;
        _listener = listener;
    }

    /// <summary>The address clients connect to, with the actual port when 0 was asked for.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Opens the database and starts accepting connections.</summary>
    public static async Task<RespServerHost> StartAsync(RespServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var database = await FluxDatabase.CreateBuilder<byte[], byte[]>()
            .WithOptions(options.Database)
            .WithTimeProvider(options.TimeProvider)
            .OpenAsync(cancellationToken);
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, options.Port));
            listener.Listen();
        }
        catch
        {
            listener.Dispose();
            await database.DisposeAsync();
            throw;
        }

        var host = new RespServerHost(database, listener);
        host._accepting = host.AcceptAsync();
        return host;
    }

    /// <summary>Stops accepting, closes every connection, then closes the database (which syncs its log).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _accepting;
        await Task.WhenAll(_connections);
        await _database.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        var data = _database.CreateHandle();
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Replies go out once per batch already; Nagle's delay would only add latency.
            client.NoDelay = true;
            _connections.RemoveAll(connection => connection.IsCompleted);
            _connections.Add(ServeAsync(new RespConnection(client, _database, data)));
        }
    }

    private async Task ServeAsync(RespConnection connection)
    {
        try
        {
            await connection.RunAsync(_stopping.Token);
        }
        catch (Exception e)
        {
            // A bug in one command must not take the server, or the other clients, down with it.
            await Console.Error.WriteLineAsync($"Connection closed after an unexpected error: {e}");
        }
    }
}

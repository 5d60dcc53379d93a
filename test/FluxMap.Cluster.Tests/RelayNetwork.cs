using System.Net;
using System.Net.Sockets;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// The links between members, relayed so they can be cut. Member i listens on its
/// <c>LocalEndPoint</c> and announces a <c>PublicEndPoint</c> on which a listener here forwards
/// every connection to it. <see cref="Cut"/> closes every relayed connection into and out of a
/// member, with a reset, and refuses new ones until <see cref="Heal"/>: the member and its clients
/// keep running, only its links to the other members are gone.
/// </summary>
/// <remarks>
/// Connections into member i all arrive at its listener, but its own connections arrive at the
/// other members' listeners mixed with everyone else's, from the same address (see
/// <see cref="SocketOwner"/>): each accepted connection is attributed to the member process that
/// holds its far end, so that cutting i also closes and refuses what i opened.
/// </remarks>
internal sealed class RelayNetwork : IAsyncDisposable
{
    private readonly int _memberCount;
    private readonly (int Member, TcpListener Listener, IPEndPoint Destination)[] _routes;
    private readonly Func<int, int?> _processOf;
    private readonly Lock _lock = new();
    private readonly HashSet<int> _cut = [];
    private readonly List<RelayedConnection> _connections = [];
    private readonly List<Task> _accepting = [];
    private readonly List<Task> _relaying = [];
    private readonly CancellationTokenSource _closing = new();

    private RelayNetwork(string[] publicEndPoints, string[] localEndPoints, int[] portOffsets, Func<int, int?> processOf)
    {
        _memberCount = localEndPoints.Length;
        _routes =
        [
            .. from member in Enumerable.Range(0, _memberCount)
               from offset in portOffsets
               let announced = IPEndPoint.Parse(publicEndPoints[member])
               let local = IPEndPoint.Parse(localEndPoints[member])
               select (member, new TcpListener(announced.Address, announced.Port + offset), new IPEndPoint(local.Address, local.Port + offset)),
        ];
        _processOf = processOf;
    }

    /// <summary>
    /// Listens on every <paramref name="publicEndPoints"/>[i]'s port plus each of
    /// <paramref name="portOffsets"/> and forwards to the same port of
    /// <paramref name="localEndPoints"/>[i]; <paramref name="processOf"/> gives member i's process
    /// id, null while it is down.
    /// </summary>
    internal static RelayNetwork Start(string[] publicEndPoints, string[] localEndPoints, int[] portOffsets, Func<int, int?> processOf)
    {
        var network = new RelayNetwork(publicEndPoints, localEndPoints, portOffsets, processOf);
        foreach (var route in network._routes)
        {
            route.Listener.Start();
            network._accepting.Add(network.AcceptAsync(route.Member, route.Listener, route.Destination));
        }

        return network;
    }

    internal bool IsCut(int member)
    {
        lock (_lock)
        {
            return _cut.Contains(member);
        }
    }

    /// <summary>Cuts <paramref name="member"/> off: once this returns, no byte passes between it and any other member.</summary>
    internal void Cut(int member)
    {
        List<RelayedConnection> doomed;
        lock (_lock)
        {
            _cut.Add(member);
            doomed = [.. _connections.Where(c => c.Touches(member))];
        }

        foreach (var connection in doomed)
        {
            connection.Abort();
        }
    }

    /// <summary>Lets <paramref name="member"/> connect and be connected to again; the members reconnect on their own.</summary>
    internal void Heal(int member)
    {
        lock (_lock)
        {
            _cut.Remove(member);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        foreach (var route in _routes)
        {
            route.Listener.Stop();
        }

        await Task.WhenAll(_accepting);
        List<RelayedConnection> open;
        List<Task> relaying;
        lock (_lock)
        {
            open = [.. _connections];
            relaying = [.. _relaying];
        }

        foreach (var connection in open)
        {
            connection.Abort();
        }

        await Task.WhenAll(relaying);
        _closing.Dispose();
    }

    private async Task AcceptAsync(int target, TcpListener listener, IPEndPoint destination)
    {
        while (true)
        {
            Socket inbound;
            try
            {
                inbound = await listener.AcceptSocketAsync(_closing.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            // A connection whose origin is unknown is refused: it might come from a member cut off.
            // It comes from a member not yet registered (still starting up) or already gone, and its
            // client connects again later.
            var origin = Origin(inbound);
            if (origin is not { } from || IsCut(from) || IsCut(target))
            {
                RelayedConnection.Abort(inbound);
                continue;
            }

            var outbound = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await outbound.ConnectAsync(destination, _closing.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The member is down: its caller sees the connection drop, as if it had called it directly.
                RelayedConnection.Abort(inbound);
                RelayedConnection.Abort(outbound);
                continue;
            }

            var connection = new RelayedConnection(from, target, inbound, outbound);
            lock (_lock)
            {
                // Checked again under the lock: a cut while this connected would otherwise miss it.
                if (_cut.Contains(from) || _cut.Contains(target))
                {
                    connection.Abort();
                    continue;
                }

                _connections.Add(connection);
                _relaying.Add(Task.Run(() => RunAsync(connection)));
            }
        }
    }

    private async Task RunAsync(RelayedConnection connection)
    {
        await connection.RunAsync();
        lock (_lock)
        {
            _connections.Remove(connection);
        }
    }

    private int? Origin(Socket inbound)
    {
        var processes = new Dictionary<int, int>();
        for (var member = 0; member < _memberCount; member++)
        {
            if (_processOf(member) is { } process)
            {
                processes[process] = member;
            }
        }

        return SocketOwner.Find((IPEndPoint)inbound.LocalEndPoint!, (IPEndPoint)inbound.RemoteEndPoint!, processes.Keys) is { } owner ? processes[owner] : null;
    }
}

using System.Net;
using System.Net.Sockets;
using FluxMap.Replication;

namespace FluxMap.Testing;

/// <summary>Free loopback ports for members to listen on.</summary>
internal static class LoopbackPort
{
    /// <summary>The offset from a member's Raft port to its forwarding port the tests use (the default).</summary>
    internal static readonly int ForwardingPortOffset = new ReplicationOptions().ForwardingPortOffset;

    /// <summary>
    /// Endpoints for <paramref name="count"/> members as <c>127.0.0.1:port</c>: nothing listens on
    /// their Raft or forwarding ports now, and no member's forwarding port is another's Raft port.
    /// </summary>
    internal static string[] FreeEndPoints(int count)
    {
        var ports = new List<int>();
        while (ports.Count < count)
        {
            var port = FreePortPair();
            if (!ports.Exists(p => p == port || Math.Abs(p - port) == ForwardingPortOffset))
            {
                ports.Add(port);
            }
        }

        return [.. ports.Select(p => $"127.0.0.1:{p}")];
    }

    private static int FreePortPair()
    {
        while (true)
        {
            using var raft = new TcpListener(IPAddress.Loopback, 0);
            raft.Start();
            var port = ((IPEndPoint)raft.LocalEndpoint).Port;
            if (port + ForwardingPortOffset > IPEndPoint.MaxPort)
            {
                continue;
            }

            using var forwarding = new TcpListener(IPAddress.Loopback, port + ForwardingPortOffset);
            try
            {
                forwarding.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}

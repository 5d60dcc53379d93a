using System.Net;
using System.Net.Sockets;

namespace FluxMap.Cluster.Tests;

/// <summary>Free loopback ports for members to listen on.</summary>
internal static class LoopbackPort
{
    /// <summary>A port nothing listens on now, as <c>127.0.0.1:port</c>.</summary>
    internal static string FreeEndPoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }
}

using System.Net.Sockets;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// One connection from a member to another through the relay: the socket the caller opened to
/// the relay, the one the relay opened to the member called, and the bytes pumped between them
/// until either side closes or the link is cut.
/// </summary>
internal sealed class RelayedConnection(int origin, int target, Socket inbound, Socket outbound)
{
    private int _aborted;

    /// <summary>Gets a value indicating whether the connection runs from or to <paramref name="member"/>.</summary>
    internal bool Touches(int member) => origin == member || target == member;

    /// <summary>Pumps both ways; when one way ends the other is aborted, as a member's peer would see a dropped connection.</summary>
    internal async Task RunAsync()
    {
        var forth = PumpAsync(inbound, outbound);
        var back = PumpAsync(outbound, inbound);
        await Task.WhenAny(forth, back);
        Abort();
        await Task.WhenAll(forth, back);
    }

    internal void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            Abort(inbound);
            Abort(outbound);
        }
    }

    /// <summary>
    /// Closes with a reset: bytes not yet sent are dropped, not delivered after the cut, and the
    /// peer learns at once that the connection is gone.
    /// </summary>
    internal static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // The peer reset it first: there is nothing left to drop.
        }

        socket.Dispose();
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset by a member, or aborted by a cut.
        }
    }
}

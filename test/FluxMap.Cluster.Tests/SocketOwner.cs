using System.Globalization;
using System.Net;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// Which process opened the far end of an accepted loopback connection, read from Linux's
/// <c>/proc</c>: the socket table gives the connecting socket's inode, and the process holding
/// that inode among its file descriptors owns it.
/// </summary>
/// <remarks>
/// A relay cannot tell its callers apart by address: DotNext's TCP client does not bind its
/// sockets (6.12: <c>new Socket(SocketType.Stream, ProtocolType.Tcp)</c>, then <c>ConnectAsync</c>),
/// so a member's outgoing connections leave from 127.0.0.1 whatever address it listens on (Linux
/// picks 127.0.0.1 as the source of every loopback route, tried with a member on 127.0.0.5), and
/// the address it announces must be the same in every member's list. The owner of the socket is
/// what is left.
/// </remarks>
internal static class SocketOwner
{
    /// <summary>
    /// Returns the one of <paramref name="processes"/> holding the socket connected from
    /// <paramref name="remote"/> to <paramref name="local"/> (both as this side of the connection
    /// sees them), or null when none holds it (it closed, or another process opened it).
    /// </summary>
    internal static int? Find(IPEndPoint local, IPEndPoint remote, IEnumerable<int> processes)
    {
        if (Inode(remote.Port, local.Port) is not { } inode)
        {
            return null;
        }

        var link = $"socket:[{inode}]";
        foreach (var process in processes)
        {
            try
            {
                if (Directory.EnumerateFiles($"/proc/{process}/fd").Any(fd => new FileInfo(fd).LinkTarget == link))
                {
                    return process;
                }
            }
            catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
            {
                // The process exited, or closed a descriptor while it was listed: it is not this one's owner, or the connection is gone.
            }
        }

        return null;
    }

    // The connecting socket is the row whose local port is the caller's and whose remote port is
    // ours. .NET opens dual-mode sockets, so a connection to an IPv4 address is in tcp6 as
    // ::ffff:127.0.0.1; both tables are read. Columns: sl local remote st queues tr retrnsmt uid timeout inode.
    private static string? Inode(int localPort, int remotePort)
    {
        var local = string.Create(CultureInfo.InvariantCulture, $":{localPort:X4}");
        var remote = string.Create(CultureInfo.InvariantCulture, $":{remotePort:X4}");
        foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // Inode 0: a closed connection's row (TIME_WAIT), no longer anyone's.
                if (columns[1].EndsWith(local, StringComparison.Ordinal) && columns[2].EndsWith(remote, StringComparison.Ordinal) && columns[9] != "0")
                {
                    return columns[9];
                }
            }
        }

        return null;
    }
}

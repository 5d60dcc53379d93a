// A Redis-protocol (RESP2) server over FluxMap: redis-cli, redis-benchmark and Redis client
// libraries can talk to it. See README.md for the commands it knows.
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using RespServer;

if (args is ["--help" or "-h"])
{
    Console.WriteLine(RespServerOptions.Usage);
    return 0;
}

RespServerHost server;
try
{
    server = await RespServerHost.StartAsync(RespServerOptions.Parse(args));
}
catch (Exception e) when (e is ArgumentException or OptionsValidationException or SocketException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(RespServerOptions.Usage);
    return 2;
}

await using (server)
{
    var stop = new TaskCompletionSource();
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    Console.WriteLine($"FluxMap RESP server listening on {server.EndPoint}; Ctrl+C stops it.");
    await stop.Task;
    Console.WriteLine("Stopping: closing connections and the database.");

    void Stop(PosixSignalContext context)
    {
        // Let the server close the database (and sync its log) instead of the runtime exiting at once.
        context.Cancel = true;
        stop.TrySetResult();
    }
}

return 0;

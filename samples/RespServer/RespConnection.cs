using System.IO.Pipelines;
using System.Net.Sockets;
using FluxMap;
using RespServer.Commands;
using RespServer.Protocol;

namespace RespServer;

/// <summary>One client: reads requests, runs them in order, and sends the replies.</summary>
internal sealed class RespConnection(Socket socket, FluxDatabase<byte[], byte[]> database, FluxHandle<byte[], byte[]> data)
{
    /// <summary>Serves the client until it disconnects, sends QUIT or a request that cannot be framed, or <paramref name="cancellationToken"/> stops the server.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var input = PipeReader.Create(stream);
        var output = PipeWriter.Create(stream);
        var context = new CommandContext(database, data, new RespWriter(output));

        // One registration per connection: passing the server's token to every read and flush
        // instead made all connections contend on that token's lock.
        var stopping = cancellationToken.Register(() =>
        {
            input.CancelPendingRead();
            output.CancelPendingFlush();
        });
        try
        {
            while (!context.CloseRequested)
            {
                var read = await input.ReadAsync(CancellationToken.None);
                if (read.IsCanceled)
                {
                    break;
                }

                var buffer = read.Buffer;
                try
                {
                    // Every whole command that has arrived runs before one flush sends all
                    // their replies: a pipelining client gets a batch back per read, not per command.
                    while (!context.CloseRequested && RespParser.TryRead(ref buffer, context.Arguments))
                    {
                        if (context.Arguments.Count > 0)
                        {
                            await CommandTable.ExecuteAsync(context);
                        }
                    }
                }
                catch (RespProtocolException e)
                {
                    context.Reply.WriteError(e.Message);
                    context.CloseRequested = true;
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                var flush = await output.FlushAsync(CancellationToken.None);
                if (read.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // The client went away: there is nobody left to answer.
        }
        finally
        {
            // Unregister first (waiting out a running callback): cancelling a completed pipe throws.
            await stopping.DisposeAsync();
            await input.CompleteAsync();
            await output.CompleteAsync();
        }
    }
}

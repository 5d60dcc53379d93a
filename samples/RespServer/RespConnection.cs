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
        try
        {
            while (!context.CloseRequested)
            {
                var read = await input.ReadAsync(cancellationToken);
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

                await output.FlushAsync(cancellationToken);
                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away, or the server is stopping: there is nobody left to answer.
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync();
        }
    }
}

// A live database for `fluxmap stats`: opens a Relaxed database named by the second argument in the
// directory of the first and commits in a loop, printing "ready" after the first commit, until its
// standard input closes. With "none" as the only argument it opens no database (no "FluxMap" meter)
// and only waits for its input to close.
using FluxMap;

if (args is ["none"])
{
    Console.WriteLine("ready");
    Console.In.ReadToEnd();
    return;
}

await using var db = await FluxDatabase.CreateBuilder<string, long>()
    .WithOptions(new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = args[0] })
    .WithName(args[1])
    .OpenAsync();
var handle = db.CreateHandle();
// Console.In reads synchronously even through its async methods: a thread of its own waits for the close.
var closed = Task.Run(Console.In.ReadToEnd);
for (var n = 0L; !closed.IsCompleted; n++)
{
    await handle.InsertAsync($"key:{n % 1000}", n);
    if (n == 0)
    {
        Console.WriteLine("ready");
    }

    // Paced, so the worker leaves the tool and the test runner the machine's cores.
    await Task.Delay(1);
}

// Crash-test workload: bank transfers on a durable FluxMap database, one "ack" line per commit
// that returned. The crash tests kill this process at random points and check the recovered state.
//   full:    8 concurrent writers, each transfer also writes a marker tx:<run>:<n>; prints "ack <marker>"
//   relaxed: one writer; transfer n is a pure function of n and the balances; prints "ack <n>"
using FluxMap;
using FluxMap.CrashWorker;

var directory = args[0];
var full = args[1] == "full";
await using var db = await FluxDatabase.OpenAsync<string, long>(new FluxMapOptions
{
    Durability = full ? DurabilityMode.Full : DurabilityMode.Relaxed,
    DataDirectory = directory,
    WalSegmentSize = 64 * 1024,
    FlushAfterCommits = 5,
    FlushInterval = TimeSpan.FromMilliseconds(2),
});
var handle = db.CreateHandle();
if (!await handle.ContainsKeyAsync(CrashModel.NextKey))
{
    await handle.TransactionAsync(async (tx, ct) =>
    {
        for (var a = 0; a < CrashModel.Accounts; a++)
        {
            await tx.InsertAsync(CrashModel.Account(a), CrashModel.InitialBalance, ct);
        }

        await tx.InsertAsync(CrashModel.NextKey, 0, ct);
    });
}

Console.WriteLine("ready");
if (full)
{
    var run = Guid.NewGuid().ToString("N")[..8];
    await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
    {
        var random = new Random(w);
        for (var n = 0; ; n++)
        {
            var marker = $"tx:{run}:{w}:{n}";
            var (from, to, amount) = (random.Next(CrashModel.Accounts), random.Next(CrashModel.Accounts), random.Next(1, 50));
            await handle.TransactionAsync(async (tx, ct) =>
            {
                await CrashModel.TransferAsync(tx, from, to, amount, ct);
                await tx.InsertAsync(marker, amount, ct);
            });
            Console.WriteLine($"ack {marker}");
        }
    })));
}
else
{
    while (true)
    {
        var n = await handle.TransactionAsync(async (tx, ct) =>
        {
            var next = (await tx.GetAsync(CrashModel.NextKey, ct)).Value;
            var (from, to, amount) = CrashModel.RelaxedTransfer(next);
            await CrashModel.TransferAsync(tx, from, to, amount, ct);
            await tx.InsertAsync($"tx:{next:D8}", amount, ct);
            await tx.InsertAsync(CrashModel.NextKey, next + 1, ct);
            return next;
        });
        Console.WriteLine($"ack {n}");
    }
}

// Crash-test workload: bank transfers on a durable FluxMap database, one "ack" line per commit
// that returned. The crash tests kill this process at random points and check the recovered state.
//   full:    8 concurrent writers, each transfer also writes a marker tx:<run>:<w>:<n> and deletes
//            one of the writer's older markers (CrashModel.FullDeletes); prints "ack <marker>" and
//            then "del <older marker>" once the commit returned
//   relaxed: one writer; transfer n is a pure function of n and the balances, writes marker n and
//            deletes marker CrashModel.RelaxedDeletes(n); prints "ack <n>"
//   window:  eight loops that never wait on a fresh Relaxed database (LossWindowWorkload); the
//            acknowledgements go into a journal file, the third argument
// In full and relaxed the data file runs as hard as it can: tiny write-behind batches flushed
// every 2 ms over three shards, a checkpoint every few milliseconds, compaction at a low garbage
// share, and a log of small segments with a pool of two, so segments are released and recycled.
using FluxMap;
using FluxMap.CrashWorker;

var directory = args[0];
if (args[1] == "window")
{
    await LossWindowWorkload.RunAsync(directory, args[2]);
    return;
}

var full = args[1] == "full";
await using var db = await FluxDatabase.OpenAsync<string, long>(CrashModel.Options(directory, full ? DurabilityMode.Full : DurabilityMode.Relaxed));
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
            var marker = CrashModel.FullMarker(run, w, n);
            var deleted = CrashModel.FullDeletes(n) is { } old ? CrashModel.FullMarker(run, w, old) : null;
            var (from, to, amount) = (random.Next(CrashModel.Accounts), random.Next(CrashModel.Accounts), random.Next(1, 50));
            await handle.TransactionAsync(async (tx, ct) =>
            {
                await CrashModel.TransferAsync(tx, from, to, amount, ct);
                await tx.InsertAsync(marker, amount, ct);
                if (deleted is not null)
                {
                    await tx.RemoveAsync(deleted, ct);
                }
            });

            // One write, so a kill never separates the two lines.
            Console.Write(deleted is null ? $"ack {marker}\n" : $"ack {marker}\ndel {deleted}\n");
            if (w == 0 && n % 20 == 19)
            {
                Console.WriteLine(CrashModel.Stats(db.GetStatistics()));
            }
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
            await tx.InsertAsync(CrashModel.RelaxedMarker(next), amount, ct);
            if (CrashModel.RelaxedDeletes(next) is { } old)
            {
                await tx.RemoveAsync(CrashModel.RelaxedMarker(old), ct);
            }

            await tx.InsertAsync(CrashModel.NextKey, next + 1, ct);
            return next;
        });
        Console.WriteLine($"ack {n}");
        if (n % 20 == 19)
        {
            Console.WriteLine(CrashModel.Stats(db.GetStatistics()));
        }
    }
}

namespace FluxMap.CrashWorker;

/// <summary>
/// Runs the loss-window workload on a fresh database until the process is killed: the setup is
/// synced first, so the window holds only the loops' commits; "acknowledged" goes to stdout once
/// the first of them returned, and each acknowledgement goes into the journal.
/// </summary>
public static class LossWindowWorkload
{
    public static async Task RunAsync(string directory, string journalPath)
    {
        using var journal = AckJournal.Create(journalPath);
        await using var db = await FluxDatabase.OpenAsync<string, long>(LossWindowModel.Options(directory));
        var handle = db.CreateHandle();
        await handle.TransactionAsync(async (tx, ct) =>
        {
            for (var a = 0; a < CrashModel.Accounts; a++)
            {
                await tx.InsertAsync(CrashModel.Account(a), CrashModel.InitialBalance, ct);
            }

            for (var loop = 0; loop < LossWindowModel.Loops; loop++)
            {
                await tx.InsertAsync(LossWindowModel.ProgressKey(loop), LossWindowModel.Progress(0, 0), ct);
            }
        });
        await db.FlushAsync();

        // The loops never end. The first that fails ends the process at once, before the test's
        // kill (closing the database would wait for the others), so the test sees the failure.
        var failed = await Task.WhenAny(Enumerable.Range(0, LossWindowModel.Loops).Select(loop => Task.Run(() => RunLoopAsync(handle, journal, loop))));
        await Console.Error.WriteLineAsync(failed.Exception?.ToString());
        Environment.Exit(1);
    }

    private static async Task RunLoopAsync(FluxHandle<string, long> handle, AckJournal journal, int loop)
    {
        var key = LossWindowModel.ProgressKey(loop);
        for (var commit = 1L; ; commit++)
        {
            var progress = LossWindowModel.Progress(commit, journal.Count);
            if (LossWindowModel.Transfers(loop))
            {
                var (from, to, amount) = LossWindowModel.Transfer(loop, commit);
                await handle.TransactionAsync(async (tx, ct) =>
                {
                    var source = (await tx.GetAsync(CrashModel.Account(from), ct)).Value;
                    var target = (await tx.GetAsync(CrashModel.Account(to), ct)).Value;
                    await tx.InsertAsync(CrashModel.Account(from), source - amount, ct);
                    await tx.InsertAsync(CrashModel.Account(to), target + amount, ct);
                    await tx.InsertAsync(key, progress, ct);
                });
            }
            else
            {
                await handle.InsertAsync(key, progress);
            }

            if (journal.Append(loop, commit) == 0)
            {
                Console.WriteLine("acknowledged");
            }
        }
    }
}

// FluxMap quickstart: a tiny bank. Every transfer is a serializable transaction; when two
// transfers collide, one is retried automatically and the total never changes.
using FluxMap;

await using var db = await FluxDatabase.OpenAsync<string, int>();
var handle = db.CreateHandle();

await handle.InsertAsync("alice", 100);
await handle.InsertAsync("bob", 50);
Console.WriteLine($"Opened accounts: alice = {(await handle.GetAsync("alice")).Value}, bob = {(await handle.GetAsync("bob")).Value}");

var message = await handle.TransactionAsync(async (tx, ct) =>
{
    var alice = await tx.GetAsync("alice", ct);
    var bob = await tx.GetAsync("bob", ct);
    await tx.InsertAsync("alice", alice.Value - 20, ct);
    await tx.InsertAsync("bob", bob.Value + 20, ct);
    return "moved 20 from alice to bob";
});
Console.WriteLine($"Transaction committed: {message}");

// Many concurrent transfers in both directions: conflicts are retried, the total is conserved.
var transfers = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
{
    var (from, to) = i % 2 == 0 ? ("alice", "bob") : ("bob", "alice");
    await handle.TransactionAsync(async (tx, ct) =>
    {
        var source = await tx.GetAsync(from, ct);
        if (source.Value < 1)
        {
            return;
        }

        var target = await tx.GetAsync(to, ct);
        await tx.InsertAsync(from, source.Value - 1, ct);
        await tx.InsertAsync(to, target.Value + 1, ct);
    });
}));
await Task.WhenAll(transfers);

var total = 0;
await foreach (var (name, balance) in handle.ScanRangeAsync("a", "z"))
{
    Console.WriteLine($"  {name,-6} {balance,4}");
    total += balance;
}

Console.WriteLine($"After 200 concurrent transfers the total is {total} (started at 150).");

var removed = await handle.RemoveAsync("bob");
var bobAfter = await handle.GetAsync("bob");
Console.WriteLine($"Removed bob: {removed}; bob found afterwards: {bobAfter.HasValue}");

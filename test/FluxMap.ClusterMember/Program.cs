// One member of a replicated FluxMap cluster, for the cluster tests that SIGKILL, freeze and restart members.
// Arguments: <local endpoint> <every member's endpoint, comma-separated> <data directory> <Raft log directory> <accounts> <snapshot interval>
//            [<public endpoint>: the address the others know this member by, a relay's, when it is not the local endpoint]
// Requests on stdin, one a line, "<request id> <command> [arguments]", served concurrently; each answered
// with one line "<request id> <outcome> [values]". Unprompted lines: "ready" once the member listens, and
// "! leader" / "! follower" whenever this member starts or stops leading.
//   open                                  the opening balances, unless there are some        -> ok
//   transfer <id> <from> <to> <amount>    a transfer that appends <id> to both ledgers       -> committed <from ledger> <to ledger> (as read),
//                                         failed <reason> (certainly not committed: a conflict, this member does not lead),
//                                         unknown <reason> (the outcome is not known)
//   read <account> ...                    those ledgers, read-only on this member            -> ok <ledger> ...
//   state                                 everything this member shows                       -> ok <total> <ledger 0> <ledger 1> ...
//   position                              the newest commit this member applied              -> ok <position>
//   wait <position>                       until this member shows that position              -> ok
//   settle                                cancels the requests asked for before it (a transfer sent to
//                                         the leader still ends with its answer) and waits until the
//                                         transfers among them finished: a client that stopped waiting
//                                         does not stop its transfer                         -> ok
// A ledger is its transfer ids joined by commas, "-" when empty. Any other failure answers "error <what>".
using System.Globalization;
using FluxMap;
using FluxMap.ClusterMember;
using FluxMap.Replication;

var accounts = int.Parse(args[4], CultureInfo.InvariantCulture);
var replication = new ReplicationOptions
{
    LocalEndPoint = args[0],
    LogDirectory = args[3],

    // Three members and the test on a loaded two-core machine: elections must not fire on a slow heartbeat.
    LowerElectionTimeout = TimeSpan.FromMilliseconds(600),
    UpperElectionTimeout = TimeSpan.FromMilliseconds(1200),
    RequestTimeout = TimeSpan.FromMilliseconds(500),
    SnapshotInterval = int.Parse(args[5], CultureInfo.InvariantCulture),
    MaxCommitsPerEntry = 64,
    PublicEndPoint = args.Length > 6 ? args[6] : null,
};
foreach (var member in args[1].Split(','))
{
    replication.Members.Add(member);
}

await using var db = await ReplicatedFluxDatabase.OpenAsync<string, long>(
    replication,
    b => b.WithOptions(new FluxMapOptions
    {
        DataDirectory = args[2],
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxTransactionAttempts = 100,
    }));

var output = new Lock();
void Say(string line)
{
    lock (output)
    {
        Console.Out.WriteLine(line);
    }
}

Say("ready");
using var closing = new CancellationTokenSource();
var watch = WatchLeadershipAsync(closing.Token);
var requests = new List<Task>();
var transfers = new List<Task>();
var retrying = new CancellationTokenSource();
while (await Console.In.ReadLineAsync() is { } line)
{
    var words = line.Split(' ');
    CancellationToken settling;
    lock (transfers)
    {
        settling = retrying.Token;
    }

    var request = Task.Run(async () => Say($"{words[0]} {await ServeAsync(words[1], words[2..], settling)}"));
    requests.Add(request);
    if (words[1] == "transfer")
    {
        lock (transfers)
        {
            transfers.Add(request);
        }
    }
}

await closing.CancelAsync();
await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
await Task.WhenAll(requests);

async Task<string> ServeAsync(string command, string[] arguments, CancellationToken settling)
{
    try
    {
        switch (command)
        {
            case "open":
                await db.TransactionAsync(async (tx, ct) => { await Bank.OpenAccountsAsync(tx, accounts, ct); return 0; }, settling);
                return "ok";
            case "transfer":
                return await TransferAsync(long.Parse(arguments[0], CultureInfo.InvariantCulture), Number(arguments[1]), Number(arguments[2]), Number(arguments[3]), settling);
            case "read":
                var read = await db.ReadAsync(async (tx, ct) =>
                {
                    var ledgers = new List<string>();
                    foreach (var account in arguments)
                    {
                        ledgers.Add(Bank.Format(await Bank.LedgerAsync(tx, Number(account), ct)));
                    }

                    return ledgers;
                }, settling);
                return $"ok {string.Join(' ', read)}";
            case "state":
                return await db.ReadAsync(async (tx, ct) =>
                {
                    var state = new List<string> { "ok", (await Bank.TotalAsync(tx, ct)).ToString(CultureInfo.InvariantCulture) };
                    for (var a = 0; a < accounts; a++)
                    {
                        state.Add(Bank.Format(await Bank.LedgerAsync(tx, a, ct)));
                    }

                    return string.Join(' ', state);
                }, settling);
            case "position":
                return $"ok {db.CommitPosition}";
            case "settle":
                Task[] started;
                CancellationTokenSource stopped;
                lock (transfers)
                {
                    started = [.. transfers];
                    stopped = retrying;
                    retrying = new CancellationTokenSource();
                }

                await stopped.CancelAsync();

                await Task.WhenAll(started);
                return "ok";
            case "wait":
                await db.WaitForCommitAsync(long.Parse(arguments[0], CultureInfo.InvariantCulture), settling);
                return "ok";
            default:
                return $"error unknown command {command}";
        }
    }
    catch (Exception e)
    {
        return $"error {Describe(e)}";
    }
}

async Task<string> TransferAsync(long id, int from, int to, int amount, CancellationToken settling)
{
    try
    {
        var (fromLedger, toLedger) = await db.TransactionAsync((tx, ct) => Bank.TransferAsync(tx, id, from, to, amount, ct), settling);
        return $"committed {Bank.Format(fromLedger)} {Bank.Format(toLedger)}";
    }
    catch (SerializationConflictException e)
    {
        // The member refused it (it does not lead, or stopped leading before the entry committed) or the retries ran out: nothing of it committed.
        return $"failed {Describe(e)}";
    }
    catch (Exception e)
    {
        return $"unknown {Describe(e)}";
    }
}

// No event tells a leadership change: IsLeader is polled, every 10 ms, while the member runs.
async Task WatchLeadershipAsync(CancellationToken stop)
{
    var leading = false;
    while (true)
    {
        if (db.IsLeader != leading)
        {
            leading = !leading;
            Say(leading ? "! leader" : "! follower");
        }

        await Task.Delay(10, stop);
    }
}

static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);

static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";

// FluxMap Orleans bank: one silo keeps account balances in FluxMap through Orleans transactions.
// Each run transfers money at random between five accounts; some transfers overdraw and abort.
// Run it twice: the balances carry over, and the total stays what the accounts opened with.
//   dotnet run --project samples/OrleansBank [-- data-directory]
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Transactions;
using OrleansBank;

var directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "fluxmap-orleans-bank");
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo => silo
    .UseLocalhostClustering()
    .AddFluxMapGrainStorage("bank", options => options.Database.DataDirectory = directory)
    .UseTransactions());

using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();
var transactions = host.Services.GetRequiredService<ITransactionClient>();
var accounts = new[] { "alice", "bob", "carol", "dave", "erin" }.Select(name => grains.GetGrain<IAccountGrain>(name)).ToList();

const long Opening = 100;
if (await accounts[0].GetBalance() == 0)
{
    Console.WriteLine($"Opening {accounts.Count} accounts with {Opening} each in {directory}");
    await transactions.RunTransaction(TransactionOption.Create, () => Task.WhenAll(accounts.Select(a => a.Deposit(Opening))));
}

var random = new Random();
var done = 0;
var aborted = 0;
for (var i = 0; i < 20; i++)
{
    var from = accounts[random.Next(accounts.Count)];
    var to = accounts.Where(a => a != from).ElementAt(random.Next(accounts.Count - 1));
    var amount = random.Next(1, 120);
    try
    {
        await transactions.RunTransaction(TransactionOption.Create, async () =>
        {
            await to.Deposit(amount);
            await from.Withdraw(amount);
        });
        done++;
    }
    catch (OrleansTransactionAbortedException)
    {
        aborted++;
    }
}

var balances = await Task.WhenAll(accounts.Select(a => a.GetBalance()));
Console.WriteLine($"{done} transfers done, {aborted} aborted (overdrafts change nothing)");
foreach (var (account, balance) in accounts.Zip(balances))
{
    Console.WriteLine($"  {account.GetPrimaryKeyString(),-6} {balance,5}");
}

Console.WriteLine($"  total  {balances.Sum(),5} (always {Opening * accounts.Count})");
await host.StopAsync();

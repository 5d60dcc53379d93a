// FluxMap bank service: a minimal API over a durable FluxMap database registered with
// AddFluxMap. Settings are in appsettings.json ("FluxMap" section); try it with
//   dotnet run --project samples/BankService
//   curl -X POST localhost:5000/accounts -H 'Content-Type: application/json' -d '{"id":"alice","balance":100}'
using BankService;

await BankServiceApp.Build(args).RunAsync();

// One member of the replicated bank: the bank service on a FluxMap database replicated over Raft.
// samples/ReplicatedBank/run.sh starts three on loopback; one by hand:
//   dotnet run --project samples/ReplicatedBank -- --urls http://127.0.0.1:5101 \
//     --FluxMap:Replication:LocalEndPoint=127.0.0.1:7101 \
//     --FluxMap:Replication:Members:0=127.0.0.1:7101 --FluxMap:Replication:Members:1=127.0.0.1:7102 --FluxMap:Replication:Members:2=127.0.0.1:7103
using ReplicatedBank;

await ReplicatedBankApp.Build(args).RunAsync();

using BenchmarkDotNet.Running;
using FluxMap.Benchmarks;

// `-- memory [keyCount]` measures bytes of overhead per key; `-- durability [--quick]` drives the
// write-ahead log against the fsync latency measured in the same run; `-- maintenance [--quick]`
// measures vacuum and the memory limit against the same load without them; `-- increment [--quick]`
// compares 8 tasks incrementing one counter with 1; `-- datafile [--wal-minutes M] [--quick] [--only 1,2,3,4]`
// measures the write-behind data file's targets; `-- backup [--keys N]` an online backup against a
// plain file copy; `-- aborts [--commits N] [--workers 2,4,8,16] [--quick]` aborts per commit of
// contended transactions against a plain optimistic baseline; `-- replication [--seconds S]
// [--writers 1,8,64] [--readers R] [--stops N] [--keys K] [--quick]` three replicated members in
// one process against a single Full node (commits/s and p50/p99 per writer count, follower reads,
// failover times); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && string.Equals(args[0], "memory", StringComparison.OrdinalIgnoreCase))
{
    return await MemoryOverhead.RunAsync(args[1..]);
}

if (args.Length > 0 && string.Equals(args[0], "durability", StringComparison.OrdinalIgnoreCase))
{
    return await DurabilityDriver.RunAsync(args[1..]);
}

if (args.Length > 0 && string.Equals(args[0], "maintenance", StringComparison.OrdinalIgnoreCase))
{
    return await MaintenanceDriver.RunAsync(args[1..]);
}

if (args.Length > 0 && string.Equals(args[0], "increment", StringComparison.OrdinalIgnoreCase))
{
    return await IncrementDriver.RunAsync(args[1..]);
}

if (args.Length > 0 && string.Equals(args[0], "datafile", StringComparison.OrdinalIgnoreCase))
{
    return await DataFileDriver.RunAsync(args[1..]);
}

if (args.Length > 0 && string.Equals(args[0], "backup", StringComparison.OrdinalIgnoreCase))
{
    return await BackupDriver.RunAsync(args[1..]);
}

if (args.Length > 0 && string.Equals(args[0], "aborts", StringComparison.OrdinalIgnoreCase))
{
    return await AbortsDriver.RunAsync(args[1..]);
}

if (args.Length > 0 && string.Equals(args[0], "replication", StringComparison.OrdinalIgnoreCase))
{
    return await ReplicationDriver.RunAsync(args[1..]);
}

Console.WriteLine(BenchmarkData.Describe());
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

// Every test here runs a cluster of three members whose elections time out in about a second: two
// clusters at once on a loaded two-core machine starve each other's heartbeats into elections.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

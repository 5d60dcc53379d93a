namespace FluxMap.Orleans.Tests;

/// <summary>
/// The tests that run <see cref="ReplicatedSilos"/> run one at a time: two three-member Raft
/// clusters whose elections time out in about a second, each beside two silos, starve each other's
/// heartbeats into elections and forwarded commits into timeouts on a loaded two-core machine.
/// </summary>
[CollectionDefinition(nameof(ReplicatedClusters))]
public sealed class ReplicatedClusters;

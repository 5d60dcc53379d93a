namespace FluxMap.Cluster.Tests;

/// <summary>An acknowledged transfer: the two ledgers as it read them, the member that answered, and when (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
internal sealed record Transfer(int Id, int From, int To, int[] FromRead, int[] ToRead, int Member, long At);

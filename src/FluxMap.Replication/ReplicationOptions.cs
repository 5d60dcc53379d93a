namespace FluxMap.Replication;

/// <summary>
/// How a member of a replicated FluxMap cluster finds the others and keeps its Raft log; bindable
/// from configuration (section <c>FluxMap:Replication</c> by convention) and validated by
/// <see cref="ReplicationOptionsValidator"/>.
/// </summary>
public sealed class ReplicationOptions
{
    /// <summary>Gets or sets the address this member listens on for the others, as <c>host:port</c> (an IP address).</summary>
    public string? LocalEndPoint { get; set; }

    /// <summary>Gets the addresses of every member, this one included, as <c>host:port</c>; the same list on every member.</summary>
    public IList<string> Members { get; } = [];

    /// <summary>Gets or sets the directory of the Raft log and its snapshots; not the database's data directory.</summary>
    public string? LogDirectory { get; set; }

    /// <summary>Gets or sets the shortest time a follower waits for the leader before it stands for election. Default 150 ms.</summary>
    public TimeSpan LowerElectionTimeout { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Gets or sets the longest such time; each election picks a time between the two at random. Default 300 ms.</summary>
    public TimeSpan UpperElectionTimeout { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Gets or sets how long a request to another member may take before it counts as failed: a
    /// Raft request, or connecting to the leader's forwarding endpoint and sending it a follower's
    /// transaction (whose answer may take twice this). Default 5 s.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how many Raft log entries a member applies between two snapshots; the log is
    /// compacted behind each snapshot, so this bounds its size on disk. Default 4096.
    /// </summary>
    public int SnapshotInterval { get; set; } = 4096;

    /// <summary>
    /// Gets or sets what each member adds to its Raft port to listen for read-write transactions
    /// forwarded by followers: a member at <c>10.0.0.5:3262</c> takes them on <c>10.0.0.5:4262</c>
    /// with the default. The same on every member. Default 1000.
    /// </summary>
    public int ForwardingPortOffset { get; set; } = 1000;

    /// <summary>Gets or sets the most commits the leader puts into one Raft log entry (group commit). Default 512.</summary>
    public int MaxCommitsPerEntry { get; set; } = 512;

    /// <summary>
    /// Gets or sets the address the other members know this one by, as <c>host:port</c> (an IP
    /// address), when it differs from <see cref="LocalEndPoint"/>: behind a relay, a proxy or a
    /// NAT the member listens on one address and is reached at another. It must be one of
    /// <see cref="Members"/>, which then lists it instead of <see cref="LocalEndPoint"/>. Default
    /// null: the others reach this member at <see cref="LocalEndPoint"/>.
    /// </summary>
    public string? PublicEndPoint { get; set; }
}

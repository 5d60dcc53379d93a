namespace FluxMap.Grains;

/// <summary>
/// Keeps a provider whose database is its silo's own from serving in a cluster of several silos:
/// Orleans may activate a grain on any silo, and another silo's local database holds no or an old
/// copy of that grain's state. Once another silo has been seen active the refusal stands until the
/// silo restarts, since grains may have moved and written elsewhere meanwhile.
/// </summary>
internal sealed class SingleSiloGuard(string name, SiloAddress self)
{
    private volatile string? _refusal;

    /// <summary>Why the provider refuses to serve, or null while it serves.</summary>
    internal string? Refusal => _refusal;

    /// <summary>
    /// The reason to refuse a start: other silos joining or active. A silo that is still joining
    /// counts, so two silos starting together do not both miss each other.
    /// </summary>
    internal string? CheckStart(ClusterMembershipSnapshot snapshot) =>
        Explain(snapshot, status => status is SiloStatus.Joining or SiloStatus.Active);

    /// <summary>
    /// Takes a later view of the cluster. Only active silos count: a silo that fails to start
    /// (this provider's own refusal, say) passes through Joining and must not stop this one.
    /// </summary>
    internal void Observe(ClusterMembershipSnapshot snapshot) =>
        _refusal ??= Explain(snapshot, status => status == SiloStatus.Active);

    private string? Explain(ClusterMembershipSnapshot snapshot, Func<SiloStatus, bool> counts)
    {
        var others = snapshot.Members.Values
            .Where(m => !m.SiloAddress.Equals(self) && counts(m.Status))
            .Select(m => $"{m.Name} ({m.SiloAddress}, {m.Status})")
            .ToList();
        return others.Count == 0 ? null : Message(name, others);
    }

    internal static string Message(string name, IReadOnlyCollection<string> others) =>
        $"The FluxMap grain storage '{name}' keeps grain state in a database of this silo only, and the cluster has " +
        $"{others.Count} other silo(s): {string.Join(", ", others)}. Orleans may activate a grain on any silo, and another " +
        "silo's own database holds no or an old copy of the grain's state, so state would be lost or overwritten without an error. " +
        "Run a single silo, give every silo one shared (replicated) database through FluxMapGrainStorageOptions.OpenDatabase, " +
        "or set FluxMapGrainStorageOptions.AllowLocalStoreInCluster when something else keeps every grain on one silo (tests).";
}

using Microsoft.Extensions.Logging;

namespace FluxMap.Grains;

/// <summary>
/// Keeps a provider whose database is its silo's own from serving in a cluster of several silos:
/// Orleans may activate a grain on any silo, and another silo's local database holds no or an old
/// copy of that grain's state. It refuses the start when other silos are up, and checks the
/// silo's membership view before each operation after that (a version compare, unless it changed).
/// Once another silo has been seen active the refusal stands until the silo restarts, since grains
/// may have moved and written elsewhere meanwhile.
/// </summary>
internal sealed class SingleSiloGuard(string name, IClusterMembershipService membership, SiloAddress self, ILogger logger)
{
    private volatile string? _refusal;
    private long _checkedVersion = long.MinValue;

    /// <summary>
    /// Refuses the start when other silos are joining or active. A silo that is still joining
    /// counts, so two silos starting together do not both miss each other.
    /// </summary>
    internal void CheckStart()
    {
        if (Explain(membership.CurrentSnapshot, status => status is SiloStatus.Joining or SiloStatus.Active) is { } refusal)
        {
            throw new OrleansConfigurationException(refusal);
        }
    }

    /// <summary>
    /// Throws once the membership view has shown another active silo. Only active silos count: a
    /// silo that fails to start (this provider's own refusal, say) passes through Joining and must
    /// not stop this one.
    /// </summary>
    internal void ThrowIfRefused()
    {
        var snapshot = membership.CurrentSnapshot;
        if (_refusal is null && snapshot.Version.Value != Volatile.Read(ref _checkedVersion))
        {
            if (Explain(snapshot, status => status == SiloStatus.Active) is { } reason
                && Interlocked.CompareExchange(ref _refusal, reason, null) is null)
            {
                Log.Refusing(logger, name, reason);
            }

            Volatile.Write(ref _checkedVersion, snapshot.Version.Value);
        }

        if (_refusal is { } refusal)
        {
            throw new OrleansConfigurationException(refusal);
        }
    }

    private string? Explain(ClusterMembershipSnapshot snapshot, Func<SiloStatus, bool> counts)
    {
        var others = snapshot.Members.Values
            .Where(m => !m.SiloAddress.Equals(self) && counts(m.Status))
            .Select(m => $"{m.Name} ({m.SiloAddress}, {m.Status})")
            .ToList();
        return others.Count == 0 ? null :
            $"The FluxMap grain storage '{name}' keeps grain state in a database of this silo only, and the cluster has " +
            $"{others.Count} other silo(s): {string.Join(", ", others)}. Orleans may activate a grain on any silo, and another " +
            "silo's own database holds no or an old copy of the grain's state, so state would be lost or overwritten without an error. " +
            "Run a single silo, give every silo one shared (replicated) database through FluxMapGrainStorageOptions.OpenDatabase, " +
            "or set FluxMapGrainStorageOptions.AllowLocalStoreInCluster when something else keeps every grain on one silo (tests).";
    }
}

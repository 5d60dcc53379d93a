namespace FluxMap.Compare.Adapters;

/// <summary>A store in one configuration, as it appears in the report.</summary>
/// <param name="Id">Stable name for <c>--stores</c>.</param>
/// <param name="Name">Name in the tables.</param>
/// <param name="Durability">Its durability class: ratios compare within a class.</param>
/// <param name="Features">What it supports beyond point operations.</param>
/// <param name="Configuration">How it is set up for speed, as its documentation recommends.</param>
/// <param name="OpenAsync">Opens it in an empty directory, sized for the given number of keys.</param>
internal sealed record StoreDefinition(
    string Id,
    string Name,
    DurabilityClass Durability,
    StoreFeatures Features,
    string Configuration,
    Func<string, long, ValueTask<IStoreAdapter>> OpenAsync)
{
    /// <summary>True for the FluxMap configuration other stores of the same class are compared with.</summary>
    public bool IsBaseline => Id.StartsWith("fluxmap-", StringComparison.Ordinal);
}

namespace FluxMap.Benchmarks;

/// <summary>
/// Skewed choice of one of <see cref="Count"/> items: with probability <see cref="HotShare"/>
/// one of the first <see cref="Hot"/>, otherwise any of them, so a few items draw most of the traffic.
/// </summary>
internal sealed record HotSet(int Count, int Hot, double HotShare)
{
    public int Next(Random random) => random.Next(random.NextDouble() < HotShare ? Hot : Count);

    public override string ToString() => $"{HotShare:P0} of picks among {Hot} hot of {Count}, the rest uniform over all";
}

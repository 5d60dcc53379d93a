namespace FluxMap;

/// <summary>
/// How far an open has got, as reported to <see cref="FluxDatabaseBuilder{TKey, TValue}.WithOpenProgress"/>:
/// <see cref="Done"/> of <see cref="Total"/> units of <see cref="Phase"/>. Each phase reports 0 first
/// and <see cref="Total"/> last; a phase with nothing to do is not reported.
/// </summary>
public readonly struct OpenProgress
{
    internal OpenProgress(OpenPhase phase, long done, long total) => (Phase, Done, Total) = (phase, done, total);

    /// <summary>Gets what the open is doing.</summary>
    public OpenPhase Phase { get; }

    /// <summary>Gets how many units of the phase are done.</summary>
    public long Done { get; }

    /// <summary>Gets how many units the phase has.</summary>
    public long Total { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Phase} {Done}/{Total}";
}

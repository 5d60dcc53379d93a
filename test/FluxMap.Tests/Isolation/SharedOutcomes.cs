namespace FluxMap.Tests.Isolation;

/// <summary>Outcome tables that several of PostgreSQL's expected files give identically.</summary>
internal static class SharedOutcomes
{
    /// <summary>
    /// Every interleaving of rx1 wy1 c1 with ry2 wx2 c2, each session reading what the other
    /// writes: classroom-scheduling.out, project-manager.out and temporal-range-integrity.out
    /// (src/test/isolation/expected) all fail one session exactly when the two overlap.
    /// </summary>
    internal const string ReadThenWriteSkew = """
        rx1 wy1 c1 ry2 wx2 c2 -> -
        rx1 wy1 ry2 c1 wx2 c2 -> s2
        rx1 wy1 ry2 wx2 c1 c2 -> s2
        rx1 wy1 ry2 wx2 c2 c1 -> s1
        rx1 ry2 wy1 c1 wx2 c2 -> s2
        rx1 ry2 wy1 wx2 c1 c2 -> s2
        rx1 ry2 wy1 wx2 c2 c1 -> s1
        rx1 ry2 wx2 wy1 c1 c2 -> s2
        rx1 ry2 wx2 wy1 c2 c1 -> s1
        rx1 ry2 wx2 c2 wy1 c1 -> s1
        ry2 rx1 wy1 c1 wx2 c2 -> s2
        ry2 rx1 wy1 wx2 c1 c2 -> s2
        ry2 rx1 wy1 wx2 c2 c1 -> s1
        ry2 rx1 wx2 wy1 c1 c2 -> s2
        ry2 rx1 wx2 wy1 c2 c1 -> s1
        ry2 rx1 wx2 c2 wy1 c1 -> s1
        ry2 wx2 rx1 wy1 c1 c2 -> s2
        ry2 wx2 rx1 wy1 c2 c1 -> s1
        ry2 wx2 rx1 c2 wy1 c1 -> s1
        ry2 wx2 c2 rx1 wy1 c1 -> -
        """;

    /// <summary>
    /// The permutations of predicate-hash.spec and predicate-gist.spec, which share step names and
    /// outcomes (src/test/isolation/expected/predicate-hash.out and predicate-gist.out): rxy1/wy2
    /// and rxy2/wx1 conflict when they overlap; rxy3, wx3, rxy4 and wy4 never do.
    /// </summary>
    internal const string IndexReadInsert = """
        rxy1 wx1 c1 rxy2 wy2 c2 -> -
        rxy2 wy2 c2 rxy1 wx1 c1 -> -
        rxy3 wx3 c1 rxy4 wy4 c2 -> -
        rxy4 wy4 c2 rxy3 wx3 c1 -> -
        rxy1 wx1 rxy2 c1 wy2 c2 -> s2
        rxy1 wx1 rxy2 wy2 c1 c2 -> s2
        rxy1 wx1 rxy2 wy2 c2 c1 -> s1
        rxy1 rxy2 wx1 c1 wy2 c2 -> s2
        rxy1 rxy2 wx1 wy2 c1 c2 -> s2
        rxy1 rxy2 wx1 wy2 c2 c1 -> s1
        rxy1 rxy2 wy2 wx1 c1 c2 -> s2
        rxy1 rxy2 wy2 wx1 c2 c1 -> s1
        rxy1 rxy2 wy2 c2 wx1 c1 -> s1
        rxy2 rxy1 wx1 c1 wy2 c2 -> s2
        rxy2 rxy1 wx1 wy2 c1 c2 -> s2
        rxy2 rxy1 wx1 wy2 c2 c1 -> s1
        rxy2 rxy1 wy2 wx1 c1 c2 -> s2
        rxy2 rxy1 wy2 wx1 c2 c1 -> s1
        rxy2 rxy1 wy2 c2 wx1 c1 -> s1
        rxy2 wy2 rxy1 wx1 c1 c2 -> s2
        rxy2 wy2 rxy1 wx1 c2 c1 -> s1
        rxy2 wy2 rxy1 c2 wx1 c1 -> s1
        rxy3 wx3 rxy4 c1 wy4 c2 -> -
        rxy3 wx3 rxy4 wy4 c1 c2 -> -
        rxy3 wx3 rxy4 wy4 c2 c1 -> -
        rxy3 rxy4 wx3 c1 wy4 c2 -> -
        rxy3 rxy4 wx3 wy4 c1 c2 -> -
        rxy3 rxy4 wx3 wy4 c2 c1 -> -
        rxy3 rxy4 wy4 wx3 c1 c2 -> -
        rxy3 rxy4 wy4 wx3 c2 c1 -> -
        rxy3 rxy4 wy4 c2 wx3 c1 -> -
        rxy4 rxy3 wx3 c1 wy4 c2 -> -
        rxy4 rxy3 wx3 wy4 c1 c2 -> -
        rxy4 rxy3 wx3 wy4 c2 c1 -> -
        rxy4 rxy3 wy4 wx3 c1 c2 -> -
        rxy4 rxy3 wy4 wx3 c2 c1 -> -
        rxy4 rxy3 wy4 c2 wx3 c1 -> -
        rxy4 wy4 rxy3 wx3 c1 c2 -> -
        rxy4 wy4 rxy3 wx3 c2 c1 -> -
        rxy4 wy4 rxy3 c2 wx3 c1 -> -
        """;
}

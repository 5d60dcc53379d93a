namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's project-manager spec (src/test/isolation/specs/project-manager.spec; outcomes from
/// src/test/isolation/expected/project-manager.out), every interleaving: s1 checks that person 1
/// is a project manager and gives them a project; s2 checks that person 1 manages no project and
/// takes the role away. Any overlap must fail one.
/// person:1 holds "name|is manager"; projects project:n hold "description|manager" and are found
/// by a scan of the whole table (no index on the manager).
/// </summary>
public sealed class ProjectManagerTests : IsolationSpecTests<string, string>
{
    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(
            handle => IsolationSpec<string, string>.SeedAsync(handle, [("person:1", "Robert Haas|true")]))
        .Session("s1")
            .Step("rx1", s => s.GetAsync("person:1"))
            .Step("wy1", s => s.InsertAsync("project:101", "Build Great Wall|1"))
            .Commit("c1")
        .Session("s2")
            .Step("ry2", async s => (await s.ScanPrefixAsync("project:")).Count(p => p.Value.EndsWith("|1", StringComparison.Ordinal)))
            .Step("wx2", s => s.UpdateAsync("person:1", person => person.Replace("|true", "|false", StringComparison.Ordinal)))
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(SharedOutcomes.ReadThenWriteSkew, everyInterleaving: true);

    private protected override IsolationSpec<string, string> Spec => Definition;
}

namespace FluxMap.Tests.Isolation;

/// <summary>
/// The one test of a ported spec: each permutation in the derived class's static Permutations
/// table commits or fails as listed there, and ends serializable.
/// </summary>
public abstract class IsolationSpecTests<TKey, TValue>
    where TKey : notnull
{
    private protected abstract IsolationSpec<TKey, TValue> Spec { get; }

    [Theory]
#pragma warning disable xUnit1015 // Each derived class declares its own table.
    [MemberData("Permutations")]
#pragma warning restore xUnit1015
    public Task Permutation_commits_or_fails_as_listed(string permutation, string outcome, string postgres) =>
        Spec.RunAsync(permutation, outcome, postgres);
}

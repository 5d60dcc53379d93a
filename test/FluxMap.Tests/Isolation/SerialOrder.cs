namespace FluxMap.Tests.Isolation;

/// <summary>
/// The serializability check of a finished permutation: some order of the committed sessions,
/// replayed one at a time from the initial contents, must read everything each of them read and
/// end with the contents the database ended with.
/// </summary>
internal static class SerialOrder
{
    /// <summary>The names of <paramref name="committed"/> in a serial order that explains the run, or null if none does.</summary>
    internal static string? Find<TKey, TValue>(
        SortedDictionary<TKey, TValue> initial, SortedDictionary<TKey, TValue> final, IReadOnlyList<SpecSession<TKey, TValue>> committed)
        where TKey : notnull
    {
        foreach (var order in Orders(committed.Count))
        {
            var model = new SortedDictionary<TKey, TValue>(initial, initial.Comparer);
            if (order.All(i => committed[i].Operations.All(operation => operation.Replay(model))) &&
                model.Count == final.Count && model.SequenceEqual(final))
            {
                return string.Join(" ", order.Select(i => committed[i].Name));
            }
        }

        return null;
    }

    // Every ordering of 0..count-1 (specs have at most four sessions).
    private static IEnumerable<int[]> Orders(int count)
    {
        if (count == 0)
        {
            yield return [];
            yield break;
        }

        foreach (var rest in Orders(count - 1))
        {
            for (var at = 0; at <= rest.Length; at++)
            {
                yield return [.. rest[..at], count - 1, .. rest[at..]];
            }
        }
    }
}

using System.Globalization;
using System.Text;

namespace FluxMap.Testing;

/// <summary>
/// One committed (or attempted) transaction of a list-append history: what it read from its
/// snapshot and what it appended. <paramref name="label"/> says where it ran, for the messages.
/// Linked into the test projects that check histories with <see cref="ListAppendHistory"/>.
/// </summary>
internal sealed class ListAppendTransaction(string label)
{
    /// <summary>Gets or sets the transaction's node in the dependency graph; -1 until the history is checked.</summary>
    public int Index { get; set; } = -1;

    /// <summary>Gets the first value seen per key before any own append: what the transaction read from others.</summary>
    public Dictionary<string, int[]?> Reads { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the transaction's own current value per key it appended to.</summary>
    public Dictionary<string, int[]> Own { get; } = new(StringComparer.Ordinal);

    public List<(string Key, int Element)> Appends { get; } = [];

    public List<ListAppendOperation> Log { get; } = [];

    /// <summary>Records a read, checking it against the transaction's own writes and earlier reads.</summary>
    public void Observe(string key, int[]? seen, string? kind)
    {
        if (kind is not null)
        {
            Log.Add(new ListAppendOperation(kind, key, seen, null, true));
        }

        if (Own.TryGetValue(key, out var mine))
        {
            if (!SameList(mine, seen))
            {
                Assert.Fail($"{this}: read its own write of {key} as {ListAppendHistory.Show(seen)}, expected {ListAppendHistory.Show(mine)}");
            }

            return;
        }

        if (Reads.TryGetValue(key, out var earlier))
        {
            if (!SameList(earlier, seen))
            {
                Assert.Fail($"{this}: read {key} as {ListAppendHistory.Show(earlier)} and later as {ListAppendHistory.Show(seen)} in one snapshot");
            }

            return;
        }

        Reads[key] = seen;
    }

    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{this}:");
        foreach (var op in Log)
        {
            text.Append("\n      ").Append(op.Kind);
            if (op.Key is not null)
            {
                text.Append(' ').Append(op.Key).Append(" = ").Append(ListAppendHistory.Show(op.Value));
            }

            if (op.Scanned is not null)
            {
                text.Append(op.Completed ? " (completed): " : " (stopped early): ")
                    .AppendJoin(", ", op.Scanned.Select(p => p.Key + "=" + ListAppendHistory.Show(p.Value)));
            }
        }

        return text.ToString();
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Index >= 0 ? "T" + Index : "transaction")} ({label})");

    private static bool SameList(int[]? a, int[]? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.AsSpan().SequenceEqual(b));
}

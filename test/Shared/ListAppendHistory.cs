using System.Globalization;
using System.Text;

namespace FluxMap.Testing;

/// <summary>
/// An Elle-style check of a list-append history: each key's final list is its version order;
/// every committed read must be a prefix of it; elements of aborted transactions must never show;
/// and the graph of ww, wr and rw dependencies between committed transactions must be acyclic.
/// Holds the edge counts and the first cycle found, described. Linked into the test projects
/// that check histories.
/// </summary>
internal sealed class ListAppendHistory
{
    public int WriteWrite { get; private set; }

    public int WriteRead { get; private set; }

    public int ReadWrite { get; private set; }

    public int Reads { get; private set; }

    public int AbsentReads { get; private set; }

    public int Elements { get; private set; }

    public int AbortedElements { get; private set; }

    public string? Cycle { get; private set; }

    private enum EdgeKind
    {
        WriteWrite,
        WriteRead,
        ReadWrite,
    }

    /// <summary>A list for a message: short ones whole, long ones by their last elements.</summary>
    public static string Show(int[]? list) => list switch
    {
        null => "absent",
        { Length: <= 6 } => "[" + string.Join(", ", list) + "]",
        _ => string.Create(CultureInfo.InvariantCulture, $"[.. {list[^3]}, {list[^2]}, {list[^1]}] (length {list.Length})"),
    };

    public static ListAppendHistory Check(List<ListAppendTransaction> committed, IEnumerable<int> abortedElements, Dictionary<string, int[]> final)
    {
        var history = new ListAppendHistory();
        var aborted = abortedElements.ToHashSet();
        history.AbortedElements = aborted.Count;
        var writerOf = new Dictionary<int, int>();
        for (var i = 0; i < committed.Count; i++)
        {
            committed[i].Index = i;
            foreach (var (_, element) in committed[i].Appends)
            {
                if (!writerOf.TryAdd(element, i))
                {
                    Assert.Fail($"element {element} appended twice");
                }

                Assert.False(aborted.Contains(element), $"element {element} is both committed and aborted");
            }
        }

        history.Elements = writerOf.Count;

        // The final lists give each key's version order: every element once, committed only.
        var position = new Dictionary<int, (string Key, int Index)>();
        foreach (var (key, list) in final)
        {
            for (var i = 0; i < list.Length; i++)
            {
                var element = list[i];
                if (aborted.Contains(element))
                {
                    Assert.Fail($"element {element} of an aborted transaction is in the final {key} at index {i}");
                }

                if (!writerOf.ContainsKey(element))
                {
                    Assert.Fail($"element {element} in the final {key} at index {i} was never appended by a committed transaction");
                }

                if (!(position.TryAdd(element, (key, i))))
                {
                    Assert.Fail($"element {element} appears twice in the final state ({key} at {i} and {position.GetValueOrDefault(element)})");
                }
            }
        }

        foreach (var tx in committed)
        {
            foreach (var (key, group) in tx.Appends.GroupBy(a => a.Key).Select(g => (g.Key, g.Select(a => a.Element).ToList())))
            {
                var start = tx.Reads.TryGetValue(key, out var read) ? read?.Length ?? 0 : throw new InvalidOperationException($"{tx} appended to {key} without reading it");
                for (var i = 0; i < group.Count; i++)
                {
                    if (!position.TryGetValue(group[i], out var at))
                    {
                        Assert.Fail($"lost update: committed {tx} appended {group[i]} to {key}, which is not in the final {key} {Show(final.GetValueOrDefault(key))}\n{tx.Describe()}");
                    }

                    if (at != (key, start + i))
                    {
                        Assert.Fail($"{tx} read {key} as {Show(read)} and appended {group[i]}, which ended at {at.Key} index {at.Index} instead of {start + i}\n{tx.Describe()}");
                    }
                }
            }
        }

        // Every committed read must be a prefix of its key's final list (checked once per distinct list).
        var verified = new HashSet<int[]>(ReferenceEqualityComparer.Instance);
        var edges = new List<Edge>[committed.Count];
        for (var i = 0; i < edges.Length; i++)
        {
            edges[i] = [];
        }

        void Add(int from, int to, EdgeKind kind, string key, int index)
        {
            if (from == to)
            {
                return;
            }

            edges[from].Add(new Edge(from, to, kind, key, index));
            _ = kind switch
            {
                EdgeKind.WriteWrite => history.WriteWrite++,
                EdgeKind.WriteRead => history.WriteRead++,
                _ => history.ReadWrite++,
            };
        }

        foreach (var (key, list) in final)
        {
            for (var i = 0; i + 1 < list.Length; i++)
            {
                Add(writerOf[list[i]], writerOf[list[i + 1]], EdgeKind.WriteWrite, key, i + 1);
            }
        }

        foreach (var tx in committed)
        {
            foreach (var (key, seen) in tx.Reads)
            {
                history.Reads++;
                var full = final.GetValueOrDefault(key) ?? [];
                var n = seen?.Length ?? 0;
                if (seen is null && full.Length > 0)
                {
                    history.AbsentReads++;
                }
                else if (seen is not null && verified.Add(seen))
                {
                    foreach (var element in seen)
                    {
                        if (aborted.Contains(element))
                        {
                            Assert.Fail($"{tx} read {key} = {Show(seen)}, which holds element {element} of an aborted transaction\n{tx.Describe()}");
                        }
                    }

                    if (n > full.Length || !seen.AsSpan().SequenceEqual(full.AsSpan(0, n)))
                    {
                        Assert.Fail($"{tx} read {key} = {Show(seen)}, which is not a prefix of the final {Show(full)} (a lost or garbled update)\n{tx.Describe()}");
                    }
                }

                if (n > 0)
                {
                    Add(writerOf[full[n - 1]], tx.Index, EdgeKind.WriteRead, key, n - 1);
                }

                if (n < full.Length)
                {
                    Add(tx.Index, writerOf[full[n]], EdgeKind.ReadWrite, key, n);
                }
            }
        }

        history.Cycle = FindCycle(edges, committed, final);
        return history;
    }

    private static string? FindCycle(List<Edge>[] edges, List<ListAppendTransaction> committed, Dictionary<string, int[]> final)
    {
        foreach (var component in StronglyConnectedComponents(edges))
        {
            if (component.Count < 2)
            {
                continue;
            }

            var cycle = ShortestCycle(edges, component);
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"The committed history is not serializable: a strongly connected component of {component.Count} transactions; a shortest cycle in it:\n");
            foreach (var edge in cycle)
            {
                var list = final[edge.Key];
                var what = edge.Kind switch
                {
                    EdgeKind.WriteWrite => $"ww: appended {list[edge.Position - 1]} to {edge.Key}, then the next element {list[edge.Position]}",
                    EdgeKind.WriteRead => $"wr: appended {list[edge.Position]} to {edge.Key}, read as the last element seen",
                    _ => $"rw: read {edge.Key} with {edge.Position} elements, missing {list[edge.Position]} appended next",
                };
                text.Append(CultureInfo.InvariantCulture, $"  T{edge.From} -> T{edge.To}  {what}\n");
            }

            text.Append("Transactions (reads in order; a scan lists what it returned):\n");
            foreach (var edge in cycle)
            {
                text.Append("  ").Append(committed[edge.From].Describe()).Append('\n');
            }

            return text.ToString();
        }

        return null;
    }

    // Tarjan's algorithm, iterative: the graph can be deep enough to overflow a recursive one.
    private static List<List<int>> StronglyConnectedComponents(List<Edge>[] edges)
    {
        var count = edges.Length;
        var index = new int[count];
        var low = new int[count];
        var onStack = new bool[count];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var calls = new Stack<(int Node, int Next)>();
        var components = new List<List<int>>();
        var next = 0;
        for (var root = 0; root < count; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            Visit(root);
            while (calls.Count > 0)
            {
                var (node, edge) = calls.Pop();
                if (edge < edges[node].Count)
                {
                    calls.Push((node, edge + 1));
                    var to = edges[node][edge].To;
                    if (index[to] < 0)
                    {
                        Visit(to);
                    }
                    else if (onStack[to])
                    {
                        low[node] = Math.Min(low[node], index[to]);
                    }

                    continue;
                }

                if (low[node] == index[node])
                {
                    var component = new List<int>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component.Add(member);
                    }
                    while (member != node);
                    components.Add(component);
                }

                if (calls.Count > 0)
                {
                    var parent = calls.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }
            }
        }

        return components;

        void Visit(int node)
        {
            index[node] = low[node] = next++;
            stack.Push(node);
            onStack[node] = true;
            calls.Push((node, 0));
        }
    }

    // Breadth-first from one member back to itself, inside the component.
    private static List<Edge> ShortestCycle(List<Edge>[] edges, List<int> component)
    {
        var members = component.ToHashSet();
        var start = component[0];
        var via = new Dictionary<int, Edge>();
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var edge in edges[node])
            {
                if (!members.Contains(edge.To) || via.ContainsKey(edge.To))
                {
                    continue;
                }

                via[edge.To] = edge;
                if (edge.To == start)
                {
                    var cycle = new List<Edge>();
                    for (var at = start; cycle.Count == 0 || at != start; at = via[at].From)
                    {
                        cycle.Add(via[at]);
                    }

                    cycle.Reverse();
                    return cycle;
                }

                queue.Enqueue(edge.To);
            }
        }

        throw new InvalidOperationException("a strongly connected component without a cycle");
    }

    private readonly record struct Edge(int From, int To, EdgeKind Kind, string Key, int Position);
}

namespace FluxMap.Testing;

/// <summary>One operation as the transaction saw it, kept to print a cycle.</summary>
internal sealed record ListAppendOperation(string Kind, string? Key, int[]? Value, List<KeyValuePair<string, int[]>>? Scanned, bool Completed);

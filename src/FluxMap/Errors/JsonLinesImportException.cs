namespace FluxMap;

/// <summary>
/// An import of JSON Lines stopped at a line it could not read or write. The lines before
/// <see cref="LinesImported"/> are committed; nothing after them is.
/// </summary>
public sealed class JsonLinesImportException : FluxMapException
{
    internal JsonLinesImportException(string message, long lineNumber, long linesImported, long keysImported, Exception? innerException)
        : base(message, innerException)
    {
        LineNumber = lineNumber;
        LinesImported = linesImported;
        KeysImported = keysImported;
    }

    /// <summary>Gets the line (counted from 1) that stopped the import; for a failed commit, the first line of its batch.</summary>
    public long LineNumber { get; }

    /// <summary>Gets how many lines, from the first, are imported: lines 1 to this one are committed.</summary>
    public long LinesImported { get; }

    /// <summary>Gets how many keys those lines wrote.</summary>
    public long KeysImported { get; }
}

namespace FluxMap;

/// <summary>What an import of JSON Lines wrote.</summary>
public sealed class JsonLinesImportResult
{
    /// <summary>Gets the lines read (blank lines included).</summary>
    public long Lines { get; init; }

    /// <summary>Gets the keys written.</summary>
    public long Imported { get; init; }

    /// <summary>Gets the lines left out because their <c>expiresAt</c> had passed.</summary>
    public long Expired { get; init; }
}

namespace FluxMap;

/// <summary>The order in which a scan returns keys.</summary>
public enum ScanDirection
{
    /// <summary>Ascending key order.</summary>
    Forward,

    /// <summary>Descending key order.</summary>
    Reverse,
}

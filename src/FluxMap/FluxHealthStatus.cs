namespace FluxMap;

/// <summary>How well a database is doing.</summary>
public enum FluxHealthStatus
{
    /// <summary>Working normally.</summary>
    Healthy,

    /// <summary>Serving reads and commits, but a background service failed; it retries on its next round.</summary>
    Degraded,

    /// <summary>Failed closed: the log cannot be written, so no commit is acknowledged any more.</summary>
    Failed,
}

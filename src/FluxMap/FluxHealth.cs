namespace FluxMap;

/// <summary>A database's health, as a health check reports it.</summary>
public sealed class FluxHealth
{
    internal FluxHealth(FluxHealthStatus status, string? description, Exception? exception)
    {
        Status = status;
        Description = description;
        Exception = exception;
    }

    /// <summary>Gets whether the database is healthy, degraded or failed.</summary>
    public FluxHealthStatus Status { get; }

    /// <summary>Gets what is wrong, in a sentence; null when healthy.</summary>
    public string? Description { get; }

    /// <summary>Gets the failure behind the status, if there is one.</summary>
    public Exception? Exception { get; }
}

namespace FluxMap.Tests.Isolation;

/// <summary>Where a spec session's transaction is.</summary>
internal enum SessionState
{
    /// <summary>No step has needed its transaction yet: like PostgreSQL, a session takes its snapshot at its first statement.</summary>
    Idle,
    Open,
    Committed,
    RolledBack,
    Failed,
}

namespace FluxMap;

/// <summary>What a commit costs and what a crash may take.</summary>
public enum DurabilityMode
{
    /// <summary>Nothing is written to disk; the database lives and dies with the process.</summary>
    InMemory,

    /// <summary>
    /// Commits are logged at once and acknowledged before they reach the disk; the log is synced
    /// on the first of <see cref="FluxMapOptions.FlushInterval"/>, <see cref="FluxMapOptions.FlushAfterCommits"/>
    /// and <see cref="FluxMapOptions.FlushAfterBytes"/>. A crash can lose the commits since the last
    /// sync, always as a whole and always a suffix: what survives is the state after some prefix
    /// of the commit order, never a torn transaction.
    /// </summary>
    Relaxed,

    /// <summary>
    /// A commit is acknowledged, and becomes visible to other transactions, only once it is synced
    /// to disk. Concurrent commits share one sync (group commit).
    /// </summary>
    Full,
}

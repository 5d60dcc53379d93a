using System.Diagnostics;

namespace FluxMap.Transactions;

/// <summary>
/// The commit lock: commits validate, take their timestamp and install their versions under it,
/// one at a time. Only <see cref="TransactionManager{TKey, TValue}"/> enters it; the parts it
/// calls while holding it (the clock, the installer, the SSI tracker) take it to assert that.
/// </summary>
internal sealed class CommitLock
{
    private readonly Lock _lock = new();

    internal bool IsHeldByCurrentThread => _lock.IsHeldByCurrentThread;

    internal Lock.Scope Enter() => _lock.EnterScope();

    [Conditional("DEBUG")]
    internal void AssertHeld() => Debug.Assert(_lock.IsHeldByCurrentThread, "The commit lock must be held here.");
}

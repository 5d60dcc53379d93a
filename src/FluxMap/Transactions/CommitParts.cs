using FluxMap.Diagnostics;
using FluxMap.Maintenance;
using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// What the commit step runs on and recovery fills before the log starts: the commit lock, the
/// store, the clock and the installer. The transaction manager is made from these once the log
/// has started.
/// </summary>
internal sealed class CommitParts<TKey, TValue>
    where TKey : notnull
{
    internal CommitParts(VersionedSkipList<TKey, TValue> store, KeyOrdering<TKey> keys, EngineCounters counters, MemoryLimiter<TKey, TValue>? memory, TimeProvider time)
    {
        Store = store;
        Keys = keys;
        Counters = counters;
        Memory = memory;
        Clock = new CommitClock(time, Gate);
        Installer = new VersionInstaller<TKey, TValue>(Gate, Clock, counters, memory);
    }

    internal CommitLock Gate { get; } = new();

    internal VersionedSkipList<TKey, TValue> Store { get; }

    internal KeyOrdering<TKey> Keys { get; }

    internal EngineCounters Counters { get; }

    internal MemoryLimiter<TKey, TValue>? Memory { get; }

    internal CommitClock Clock { get; }

    internal VersionInstaller<TKey, TValue> Installer { get; }

    /// <summary>Sets the clock and the accounts after recovery replayed commits up to <paramref name="lastCommit"/> straight into the store.</summary>
    internal void Restore(long lastCommit)
    {
        Installer.AccountRecovered(Store);
        Clock.Restore(lastCommit);
    }
}

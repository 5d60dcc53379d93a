using FluxMap.Storage;

namespace FluxMap.Transactions;

/// <summary>
/// What a single-key update did: the version it saw and that version's value, whether it wrote, and
/// a task that completes when its answer may be acknowledged. When <see cref="Unloaded"/> is set it
/// did nothing: the key's current version is paged out and the update reads values, so the caller
/// loads that version outside the commit lock and runs the update again with the value.
/// </summary>
internal readonly record struct SingleResult<TValue>(VersionEntry<TValue>? Current, TValue Value, bool Written, ValueTask Durable, PagedVersion<TValue>? Unloaded = null);

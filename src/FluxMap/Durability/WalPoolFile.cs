namespace FluxMap.Durability;

/// <summary>A retired segment file waiting in the pool to become a new segment; named after the sequence it last had.</summary>
internal readonly record struct WalPoolFile(long Sequence, long Length);

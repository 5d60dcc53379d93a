namespace FluxMap.Compare.Adapters;

/// <summary>How one transfer went: how many times its body ran, and whether it finally committed.</summary>
internal readonly record struct TransferOutcome(int Attempts, bool Committed);

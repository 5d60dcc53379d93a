namespace FluxMap.Grains;

/// <summary>
/// A test seam: registered in a silo's services, it is called at each step inside a transactional
/// <c>Store</c>'s FluxMap transaction ("aborted", "prepared", "committed", "header") and may throw
/// there, to show that a failure anywhere inside leaves the old state whole. Never registered by the
/// provider itself.
/// </summary>
internal sealed class StoreFaultInjector(Action<string> atStep)
{
    internal void At(string step) => atStep(step);
}

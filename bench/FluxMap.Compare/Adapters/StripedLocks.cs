namespace FluxMap.Compare.Adapters;

/// <summary>
/// Key locks for stores whose .NET binding has point writes and atomic batches but no
/// transactions: a transfer locks both keys (in a fixed order, so two transfers cannot deadlock),
/// reads, and writes one atomic batch. This is the pessimistic scheme such stores' own
/// transaction layers use.
/// </summary>
internal sealed class StripedLocks
{
    private readonly Lock[] _stripes;

    /// <summary>Creates <paramref name="count"/> stripes.</summary>
    public StripedLocks(int count)
    {
        _stripes = new Lock[count];
        for (var i = 0; i < count; i++)
        {
            _stripes[i] = new Lock();
        }
    }

    /// <summary>Runs <paramref name="body"/> holding the locks of both keys.</summary>
    public void WithBoth(byte[] first, byte[] second, Action body)
    {
        var a = Stripe(first);
        var b = Stripe(second);
        if (a > b)
        {
            (a, b) = (b, a);
        }

        lock (_stripes[a])
        {
            if (a == b)
            {
                body();
                return;
            }

            lock (_stripes[b])
            {
                body();
            }
        }
    }

    private int Stripe(byte[] key) => (int)((uint)ByteArrayComparer.Instance.GetHashCode(key) % (uint)_stripes.Length);
}

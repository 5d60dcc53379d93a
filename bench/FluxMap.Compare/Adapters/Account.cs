using System.Buffers.Binary;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// The transfer workload's accounts: a 100-byte value like every other, whose first eight bytes
/// hold the balance, so transfers pay the same value size as the rest of the workloads.
/// </summary>
internal static class Account
{
    /// <summary>The value of an account holding <paramref name="balance"/>.</summary>
    public static byte[] Create(long balance)
    {
        var value = new byte[Keys.ValueSize];
        BinaryPrimitives.WriteInt64LittleEndian(value, balance);
        return value;
    }

    /// <summary>The balance in <paramref name="value"/>; a missing account holds nothing.</summary>
    public static long Balance(byte[]? value) =>
        value is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(value);

    /// <summary>
    /// The two new values after moving <paramref name="amount"/>, or false when the payer cannot
    /// cover it (the transfer then commits without writing, as a bank would decline it).
    /// </summary>
    public static bool TryMove(byte[]? from, byte[]? to, long amount, out byte[] newFrom, out byte[] newTo)
    {
        var available = Balance(from);
        if (available < amount)
        {
            newFrom = newTo = [];
            return false;
        }

        newFrom = Create(available - amount);
        newTo = Create(Balance(to) + amount);
        return true;
    }
}

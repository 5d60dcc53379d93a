using System.Globalization;
using System.Text;

namespace FluxMap.Grains;

/// <summary>
/// The keys grain state lives under. Every part is escaped (bytes outside printable ASCII, '%' and
/// '/' become %XX), so '/' only ever separates parts: a state name or grain key holding '/' or odd
/// bytes cannot name another grain's record, and a grain's transactional keys (four or more parts)
/// never meet a grain storage record (three parts).
/// </summary>
internal static class StorageKeys
{
    // A state name with a lone surrogate has no exact UTF-8 form: two such names would share one key.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The key of one grain state record: <c>{stateName}/{grainType}/{grainKey}</c>.</summary>
    internal static string GrainState(string stateName, GrainId grainId) => Grain(stateName, grainId);

    /// <summary>The prefix of one grain's transactional state: <c>{stateName}/{grainType}/{grainKey}/</c>.</summary>
    internal static string TransactionalPrefix(string stateName, GrainId grainId) => Grain(stateName, grainId) + "/";

    /// <summary>The header record (ETag, committed sequence id, metadata) under a transactional prefix.</summary>
    internal static string Header(string prefix) => prefix + "h";

    /// <summary>The committed state record under a transactional prefix.</summary>
    internal static string Committed(string prefix) => prefix + "c";

    /// <summary>The prefix of the pending (prepared) records under a transactional prefix.</summary>
    internal static string PendingPrefix(string prefix) => prefix + "p/";

    /// <summary>A pending record's key; 19 digits, so ordinal key order is sequence order.</summary>
    internal static string Pending(string prefix, long sequenceId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequenceId);
        return PendingPrefix(prefix) + sequenceId.ToString("D19", CultureInfo.InvariantCulture);
    }

    /// <summary>The sequence id a pending record's key ends with.</summary>
    internal static long SequenceOf(string pendingKey) =>
        long.Parse(pendingKey.AsSpan(pendingKey.Length - 19), NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Grain(string stateName, GrainId grainId)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        byte[] name;
        try
        {
            name = StrictUtf8.GetBytes(stateName);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("The state name is not valid UTF-16 (it holds a lone surrogate), so it has no exact key.", nameof(stateName), e);
        }

        var builder = new StringBuilder(name.Length + 48);
        Escape(builder, name);
        builder.Append('/');
        Escape(builder, grainId.Type.AsSpan());
        builder.Append('/');
        Escape(builder, grainId.Key.AsSpan());
        return builder.ToString();
    }

    private static void Escape(StringBuilder builder, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is > 0x20 and < 0x7F and not (byte)'%' and not (byte)'/')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }
}

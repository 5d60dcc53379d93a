using System.Globalization;

namespace FluxMap.Storage;

/// <summary>Renders keys for exception messages: strings quoted, byte arrays as hex, long keys cut.</summary>
internal static class KeyFormatter
{
    private const int MaxLength = 64;

    internal static string Format(object? key)
    {
        var text = key switch
        {
            null => "null",
            string s => "\"" + s + "\"",
            byte[] bytes => "0x" + Convert.ToHexString(bytes),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => key.ToString() ?? key.GetType().Name,
        };
        return text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength), "...");
    }
}

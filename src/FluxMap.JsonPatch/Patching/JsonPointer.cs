using System.Globalization;
using System.Text.Json.Nodes;

namespace FluxMap.Patching;

/// <summary>
/// An RFC 6901 JSON Pointer, parsed strictly. The patch library accepts pointers without a
/// leading slash, array indexes with leading zeros and "-" as the last element for remove; the
/// RFCs reject all three, so every target is checked here before the library changes anything.
/// </summary>
internal sealed class JsonPointer
{
    private readonly string[] _tokens;

    private JsonPointer(string text, string[] tokens)
    {
        Text = text;
        _tokens = tokens;
    }

    /// <summary>Gets the pointer as written in the patch.</summary>
    public string Text { get; }

    /// <summary>Gets a value indicating whether the pointer is the whole document ("").</summary>
    public bool IsRoot => _tokens.Length == 0;

    /// <summary>Parses a pointer, or says what is wrong with it.</summary>
    public static JsonPointer? Parse(string text, out string? error)
    {
        error = null;
        if (text.Length == 0)
        {
            return new JsonPointer(text, []);
        }

        if (text[0] != '/')
        {
            error = $"'{text}' is not a JSON Pointer: it must be empty or start with '/'";
            return null;
        }

        var tokens = text[1..].Split('/');
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Length == 0)
            {
                // Valid in RFC 6901 (a member named ""), but the library skips empty segments and would patch another place.
                error = $"'{text}' names a member with an empty name, which is not supported";
                return null;
            }

            for (var at = token.IndexOf('~', StringComparison.Ordinal); at >= 0; at = token.IndexOf('~', at + 1))
            {
                if (at + 1 == token.Length || token[at + 1] is not ('0' or '1'))
                {
                    error = $"'{text}' is not a JSON Pointer: '~' must be followed by '0' or '1'";
                    return null;
                }
            }

            tokens[i] = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        }

        return new JsonPointer(text, tokens);
    }

    /// <summary>Tells whether <paramref name="other"/> points inside the value this pointer names.</summary>
    public bool IsProperPrefixOf(JsonPointer other) => other.Text.StartsWith(Text + "/", StringComparison.Ordinal);

    /// <summary>Finds the value this pointer names.</summary>
    public bool TryFind(JsonNode? document, out JsonNode? value) => TryWalk(document, _tokens.Length, out value);

    /// <summary>Says why a value cannot be added at this pointer, or returns null when it can.</summary>
    public string? WhyCannotAdd(JsonNode? document)
    {
        if (IsRoot)
        {
            return null;
        }

        var last = _tokens[^1];
        if (!TryWalk(document, _tokens.Length - 1, out var parent) || parent is not (JsonObject or JsonArray))
        {
            return $"there is no object or array at '{Text[..Text.LastIndexOf('/')]}' to add to";
        }

        return parent is JsonArray array && last != "-" && !(TryIndex(last, out var index) && index <= array.Count)
            ? $"'{last}' is not an index from 0 to {array.Count} (or '-') in an array of {array.Count}"
            : null;
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static bool TryIndex(string token, out int index)
    {
        index = -1;

        // RFC 6901: "0", or digits without a leading zero.
        return (token == "0" || (token[0] != '0' && token.All(char.IsAsciiDigit)))
            && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    private bool TryWalk(JsonNode? document, int depth, out JsonNode? value)
    {
        value = document;
        for (var i = 0; i < depth; i++)
        {
            var token = _tokens[i];
            if (value is JsonObject obj && obj.TryGetPropertyValue(token, out var member))
            {
                value = member;
            }
            else if (value is JsonArray array && TryIndex(token, out var index) && index < array.Count)
            {
                value = array[index];
            }
            else
            {
                value = null;
                return false;
            }
        }

        return true;
    }
}

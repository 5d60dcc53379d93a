using System.CommandLine;

namespace FluxMap.Tool;

/// <summary>The --prefix, --from and --to options of dump and export (string keys).</summary>
internal sealed class RangeOptions
{
    internal Option<string?> Prefix { get; } = new("--prefix") { Description = "Only string keys starting with this." };

    internal Option<string?> From { get; } = new("--from") { Description = "Only keys from this string key on (inclusive)." };

    internal Option<string?> To { get; } = new("--to") { Description = "Only keys up to this string key (inclusive)." };

    internal Symbol[] Symbols => [Prefix, From, To];

    internal KeyRange<MessagePackKey> Read(ParseResult result) => ToolDatabase.Range(result.GetValue(Prefix), result.GetValue(From), result.GetValue(To));
}

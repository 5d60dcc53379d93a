using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace FluxMap.Replication.Hosting;

/// <summary>
/// A configuration section without one of its children: the "FluxMap" section as
/// <see cref="FluxMapOptions"/> sees it, without its "Replication" child, so binding with
/// unknown keys refused does not take that child for a misspelt option.
/// </summary>
internal sealed class SectionWithout(IConfiguration section, string child) : IConfiguration
{
    public string? this[string key]
    {
        get => section[key];
        set => section[key] = value;
    }

    public IEnumerable<IConfigurationSection> GetChildren() =>
        section.GetChildren().Where(c => !string.Equals(c.Key, child, StringComparison.OrdinalIgnoreCase));

    public IChangeToken GetReloadToken() => section.GetReloadToken();

    public IConfigurationSection GetSection(string key) => section.GetSection(key);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FluxMap.Hosting;

/// <summary>
/// Takes a relative <see cref="FluxMapOptions.DataDirectory"/> relative to the host's content
/// root, as configuration files are, rather than to the working directory, which a service
/// manager may set anywhere.
/// </summary>
internal sealed class DataDirectoryResolver(IHostEnvironment? environment) : IPostConfigureOptions<FluxMapOptions>
{
    public void PostConfigure(string? name, FluxMapOptions options)
    {
        if (environment is not null && !string.IsNullOrWhiteSpace(options.DataDirectory) && !Path.IsPathRooted(options.DataDirectory))
        {
            options.DataDirectory = Path.GetFullPath(options.DataDirectory, environment.ContentRootPath);
        }
    }
}

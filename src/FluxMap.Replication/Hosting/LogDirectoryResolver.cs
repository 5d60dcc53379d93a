using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FluxMap.Replication.Hosting;

/// <summary>Takes a relative <see cref="ReplicationOptions.LogDirectory"/> relative to the host's content root, as the data directory is.</summary>
internal sealed class LogDirectoryResolver(IHostEnvironment? environment) : IPostConfigureOptions<ReplicationOptions>
{
    public void PostConfigure(string? name, ReplicationOptions options)
    {
        if (environment is not null && !string.IsNullOrWhiteSpace(options.LogDirectory) && !Path.IsPathRooted(options.LogDirectory))
        {
            options.LogDirectory = Path.GetFullPath(options.LogDirectory, environment.ContentRootPath);
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FluxMap.Hosting.Tests;

/// <summary>Real generic hosts without the default configuration sources and console logging.</summary>
internal static class TestHost
{
    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Long enough for any honest wait on this machine; a test that needs it has failed.</summary>
    internal static TimeSpan Patience => TimeSpan.FromSeconds(30);

    internal static HostApplicationBuilder CreateBuilder(string? contentRoot = null, EventLog? log = null, TimeProvider? clock = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = contentRoot ?? AppContext.BaseDirectory,
        });
        if (log is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(log);
        }

        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        return builder;
    }
}

using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using static FluxMap.Caching.Tests.CacheHost;

namespace FluxMap.Caching.Tests;

/// <summary>HybridCache with the FluxMap cache as its second level (through IBufferDistributedCache): what one process cached, the next finds without running the factory.</summary>
public sealed class HybridCacheTests
{
    [Fact]
    public async Task A_durable_second_level_serves_a_restarted_process_and_keeps_the_entrys_expiration()
    {
        using var dir = new TempDirectory();
        var factoryRuns = 0;
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(5), LocalCacheExpiration = TimeSpan.FromMinutes(1) };
        ValueTask<string> Factory(CancellationToken ct)
        {
            factoryRuns++;
            return ValueTask.FromResult($"computed {factoryRuns}");
        }

        await using (var first = await StartAsync(directory: dir.Path, services: Hybrid))
        {
            var hybrid = first.Host.Services.GetRequiredService<HybridCache>();
            Assert.Equal("computed 1", await hybrid.GetOrCreateAsync("report", Factory, options, cancellationToken: Ct));
            Assert.Equal("computed 1", await hybrid.GetOrCreateAsync("report", Factory, options, cancellationToken: Ct));

            Assert.Equal("report", await first.Host.Services.GetRequiredService<ObservedCache>().Written.ReadAsync(Ct));
            var timeToLive = (await first.Database.GetTimeToLiveAsync("report", Ct)).Value;
            Assert.InRange(timeToLive!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        }

        await using var second = await StartAsync(directory: dir.Path, services: Hybrid);
        var restarted = second.Host.Services.GetRequiredService<HybridCache>();
        Assert.Equal("computed 1", await restarted.GetOrCreateAsync("report", Factory, options, cancellationToken: Ct));
        Assert.Equal(1, factoryRuns);

        await restarted.RemoveAsync("report", Ct);
        Assert.False(await second.Database.ContainsKeyAsync("report", Ct));
        Assert.Equal("computed 2", await restarted.GetOrCreateAsync("report", Factory, options, cancellationToken: Ct));
    }

    private static void Hybrid(IServiceCollection services)
    {
        services.AddHybridCache();
        ObservedCache.Register(services);
    }
}

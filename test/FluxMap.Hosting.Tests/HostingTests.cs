using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static FluxMap.Hosting.Tests.TestHost;

namespace FluxMap.Hosting.Tests;

/// <summary>AddFluxMap under a real generic host: injection, keys, options, lifetime, metrics.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task AddFluxMap_injects_the_database_and_a_handle_once_the_host_has_started()
    {
        var builder = CreateBuilder();
        builder.Services.AddFluxMap<string, int>(options => options.RetryBaseDelay = TimeSpan.Zero);
        builder.Services.AddSingleton<VisitCounter>();
        using var host = builder.Build();
        await host.StartAsync(Ct);

        var counter = host.Services.GetRequiredService<VisitCounter>();
        await counter.CountAsync("home");
        await counter.CountAsync("home");
        var db = host.Services.GetRequiredService<FluxDatabase<string, int>>();

        Assert.Equal(2, (await db.CreateHandle().GetAsync("home", Ct)).Value);
        Assert.Equal("default", db.Name);
        Assert.Same(db, host.Services.GetRequiredService<FluxDatabase<string, int>>());
        await host.StopAsync(Ct);
        Assert.Throws<ObjectDisposedException>(db.CreateHandle);
    }

    [Fact]
    public void Resolving_the_database_before_the_host_starts_says_when_it_opens()
    {
        var builder = CreateBuilder();
        builder.Services.AddFluxMap<string, int>(_ => { });
        using var host = builder.Build();

        var e = Assert.Throws<InvalidOperationException>(host.Services.GetRequiredService<FluxHandle<string, int>>);
        Assert.Contains("The FluxMap database 'default' opens when the host starts", e.Message);
    }

    [Fact]
    public async Task Keyed_databases_of_the_same_types_live_side_by_side()
    {
        var builder = CreateBuilder();
        builder.Services.AddKeyedFluxMap<string, int>("orders", _ => { });
        builder.Services.AddKeyedFluxMap<string, int>("stock", options => (options.VacuumInterval, options.ExpirationSweepInterval) = (TimeSpan.Zero, TimeSpan.Zero));
        builder.Services.AddSingleton<Shop>();
        using var host = builder.Build();
        await host.StartAsync(Ct);

        await host.Services.GetRequiredService<Shop>().SellAsync("apples", 3);
        var orders = host.Services.GetRequiredKeyedService<FluxDatabase<string, int>>("orders");
        var stock = host.Services.GetRequiredKeyedService<FluxDatabase<string, int>>("stock");

        Assert.Equal(("orders", "stock"), (orders.Name, stock.Name));
        Assert.Equal(3, (await orders.CreateHandle().GetAsync("apples", Ct)).Value);
        Assert.Equal(-3, (await stock.CreateHandle().GetAsync("apples", Ct)).Value);
        Assert.Equal(2, orders.Engine.Services.Count);
        Assert.Empty(stock.Engine.Services);
        Assert.Null(host.Services.GetService<FluxDatabase<string, int>>());
        await host.StopAsync(Ct);
    }

    [Fact]
    public void Registering_a_name_twice_is_refused()
    {
        var services = new ServiceCollection().AddKeyedFluxMap<string, int>("orders", _ => { }).AddFluxMap<string, int>(_ => { });

        var keyed = Assert.Throws<InvalidOperationException>(() => services.AddKeyedFluxMap<int, int>("orders", _ => { }));
        var unkeyed = Assert.Throws<InvalidOperationException>(() => services.AddFluxMap<string, string>(_ => { }));
        Assert.Equal("A FluxMap database named 'orders' is already registered (by AddKeyedFluxMap); one name stands for one database in a host, its options, logs and metrics.", keyed.Message);
        Assert.Equal("A FluxMap database without a key is already registered (by AddFluxMap); register further databases under a name (AddKeyedFluxMap, AddKeyedReplicatedFluxMap).", unkeyed.Message);
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_from_starting_with_a_message_naming_the_setting()
    {
        var builder = CreateBuilder();
        builder.Services.AddKeyedFluxMap<string, int>("orders", options => options.Durability = DurabilityMode.Full);
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Equal("orders", e.OptionsName);
        Assert.Contains("DataDirectory is required with Durability.Full", e.Message);
    }

    [Fact]
    public async Task A_data_directory_bound_without_a_durable_mode_stops_the_host_saying_what_to_set()
    {
        using var dir = new TempDirectory();
        var builder = CreateBuilder(contentRoot: dir.Path);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FluxMap:DataDirectory"] = "bank" });
        builder.Services.AddFluxMap<string, int>(builder.Configuration.GetSection("FluxMap"));
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));
        Assert.Contains("Durability is InMemory", e.Message);
        Assert.Contains("set Durability to Relaxed or Full", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("orders")]
    public async Task A_misspelt_configuration_key_stops_the_host_naming_the_key(string? name)
    {
        var builder = CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FluxMap:Durabilty"] = "Full",
            ["FluxMap:VacuumInterval"] = "00:00:05",
        });
        if (name is null)
        {
            builder.Services.AddFluxMap<string, int>(builder.Configuration.GetSection("FluxMap"));
        }
        else
        {
            builder.Services.AddKeyedFluxMap<string, int>(name, builder.Configuration.GetSection("FluxMap"));
        }

        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));
        Assert.Contains("properties were not found on the instance of FluxMap.FluxMapOptions: 'Durabilty'", e.Message);
    }

    [Theory]
    [InlineData(DurabilityMode.InMemory)]
    [InlineData(DurabilityMode.Relaxed)]
    public async Task The_open_and_close_log_lines_say_where_the_data_lives(DurabilityMode durability)
    {
        using var dir = new TempDirectory();
        var builder = CreateBuilder(contentRoot: dir.Path);
        builder.Logging.AddFakeLogging();
        builder.Services.AddFluxMap<string, int>(options =>
        {
            options.Durability = durability;
            options.DataDirectory = durability == DurabilityMode.InMemory ? null : "bank";
        });
        using var host = builder.Build();
        await host.StartAsync(Ct);
        await host.StopAsync(Ct);

        var lines = host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id is EventIds.Opened or EventIds.Closed).Select(r => r.Message).ToList();
        Assert.Equal(2, lines.Count);
        var where = durability == DurabilityMode.InMemory ? "(InMemory durability, nothing on disk)" : $"(Relaxed durability, files in '{Path.Combine(dir.Path, "bank")}')";
        Assert.All(lines, line => Assert.Contains(where, line));
    }

    [Fact]
    public async Task A_clean_stop_syncs_the_log_of_a_database_bound_from_configuration()
    {
        using var dir = new TempDirectory();
        var builder = CreateBuilder(contentRoot: dir.Path);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FluxMap:Durability"] = "Relaxed",
            ["FluxMap:DataDirectory"] = "bank", // relative to the content root
            ["FluxMap:FlushInterval"] = "01:00:00",
        });
        builder.Services.AddFluxMap<string, int>(builder.Configuration.GetSection("FluxMap"));
        using (var host = builder.Build())
        {
            await host.StartAsync(Ct);
            var db = host.Services.GetRequiredService<FluxDatabase<string, int>>();
            await db.CreateHandle().InsertAsync("alice", 100, Ct);
            Assert.Equal(1, db.GetStatistics().WalUnsyncedCommits);

            await host.StopAsync(Ct);
            Assert.Equal(0, db.GetStatistics().WalUnsyncedCommits);
        }

        var options = new FluxMapOptions { Durability = DurabilityMode.Relaxed, DataDirectory = Path.Combine(dir.Path, "bank") };
        await using var reopened = await FluxDatabase.OpenAsync<string, int>(options, Ct);
        Assert.Equal(100, (await reopened.CreateHandle().GetAsync("alice", Ct)).Value);
    }

    [Fact]
    public async Task Background_services_run_on_the_hosts_clock_and_stop_before_the_database_closes()
    {
        var clock = new ServiceClock();
        var log = new EventLog();
        var builder = CreateBuilder(log: log, clock: clock);
        builder.Services.AddFluxMap<string, int>(options => (options.VacuumInterval, options.ExpirationSweepInterval) = (TimeSpan.FromSeconds(5), TimeSpan.Zero));
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var db = host.Services.GetRequiredService<FluxDatabase<string, int>>();
        var vacuum = Assert.Single(db.Engine.Services);
        await db.CreateHandle().InsertAsync("gone", 1, Ct);
        await db.CreateHandle().RemoveAsync("gone", Ct);

        var vacuumed = log.WhenLogged(EventIds.Vacuumed);
        await clock.PeriodicTimerCreated.WaitAsync(Patience, Ct);
        clock.Advance(TimeSpan.FromSeconds(5));
        await vacuumed.WaitAsync(Patience, Ct);
        Assert.Equal((1, 1), (db.GetStatistics().VacuumRuns, db.GetStatistics().KeysReclaimed));
        Assert.False(vacuum.ExecuteTask!.IsCompleted);

        await host.StopAsync(Ct);
        Assert.True(vacuum.ExecuteTask.IsCompleted);
        var ids = log.Ids.ToList();
        Assert.True(ids.IndexOf(EventIds.ServicesStarted) > ids.IndexOf(EventIds.Opened));
        Assert.True(ids.IndexOf(EventIds.ServicesStopped) < ids.IndexOf(EventIds.Closed));
    }

    [Fact]
    public async Task Metrics_go_through_the_hosts_meter_factory()
    {
        var builder = CreateBuilder();
        builder.Services.AddKeyedFluxMap<string, int>("orders", _ => { });
        builder.Services.AddKeyedFluxMap<string, int>("stock", _ => { });
        using var host = builder.Build();
        await host.StartAsync(Ct);
        using var commits = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "FluxMap", "fluxmap.commits");
        var orders = host.Services.GetRequiredKeyedService<FluxHandle<string, int>>("orders");

        await orders.InsertAsync("a", 1, Ct);
        await orders.InsertAsync("b", 2, Ct);
        await host.Services.GetRequiredKeyedService<FluxHandle<string, int>>("stock").InsertAsync("a", 1, Ct);
        commits.RecordObservableInstruments();

        // The two databases share the factory's meter; the tag on each measurement tells them apart.
        var byDatabase = commits.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["fluxmap.database"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, long> { ["orders"] = 2, ["stock"] = 1 }, byDatabase);
        Assert.Null(commits.Instrument!.Meter.Tags);
        await host.StopAsync(Ct);
    }

    private sealed class VisitCounter(FluxHandle<string, int> visits)
    {
        public ValueTask CountAsync(string page) =>
            visits.TransactionAsync(async (tx, ct) => await tx.InsertAsync(page, (await tx.GetAsync(page, ct)).GetValueOrDefault() + 1, ct), Ct);
    }

    private sealed class Shop(
        [FromKeyedServices("orders")] FluxHandle<string, int> orders,
        [FromKeyedServices("stock")] FluxDatabase<string, int> stock)
    {
        public async Task SellAsync(string item, int count)
        {
            await orders.InsertAsync(item, count, Ct);
            await stock.CreateHandle().InsertAsync(item, -count, Ct);
        }
    }
}

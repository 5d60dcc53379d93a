using Microsoft.AspNetCore.Builder;

namespace BankService.Tests;

/// <summary>The bank service on Kestrel at a free port of 127.0.0.1, with its database in <c>dataDirectory</c>.</summary>
internal sealed class BankServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BankServer(WebApplication app) => _app = app;

    /// <summary>The service's address, such as http://127.0.0.1:40123/.</summary>
    public Uri Address => new(_app.Urls.Single());

    public static async Task<BankServer> StartAsync(string dataDirectory)
    {
        // The sample's appsettings.json, copied beside the tests, still sets Full durability.
        var app = BankServiceApp.Build(
        [
            $"--contentRoot={AppContext.BaseDirectory}",
            "--urls=http://127.0.0.1:0",
            $"--FluxMap:DataDirectory={dataDirectory}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new BankServer(app);
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TestContext.Current.CancellationToken);
        await _app.DisposeAsync();
    }
}

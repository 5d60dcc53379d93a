using System.Diagnostics;

namespace FluxMap.Tool.Tests;

/// <summary>
/// The FluxMap.StatsWorker program as a child process: a database committing in a loop (or, with
/// "none", no database at all), ready once it printed so; disposing closes its input, which ends it.
/// </summary>
internal sealed class StatsWorker : IAsyncDisposable
{
    private readonly Process _process;

    private StatsWorker(Process process) => _process = process;

    internal int Id => _process.Id;

    internal static async Task<StatsWorker> StartAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FluxMap.StatsWorker.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var worker = new StatsWorker(Process.Start(start)!);
        var line = await worker._process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
        Assert.Equal("ready", line);
        return worker;
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        _process.Dispose();
    }
}

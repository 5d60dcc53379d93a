using System.Globalization;
using System.Text.RegularExpressions;

namespace RespServer.Tests;

public sealed class RedisBenchmarkTests
{
    [Fact]
    public async Task Redis_benchmark_runs_clean_with_pipelining()
    {
        await using var server = await RespServerHost.StartAsync(new RespServerOptions { Port = 0 }, TestContext.Current.CancellationToken);
        var port = server.EndPoint.Port.ToString(CultureInfo.InvariantCulture);

        var run = await RedisTool.RunAsync("redis-benchmark", ["-p", port, "-t", "set,get,incr", "-P", "16", "-n", "20000", "-q"]);

        Assert.True(run.ExitCode == 0, $"redis-benchmark exited with {run.ExitCode}: {run.Error}");
        var report = run.Output + run.Error;
        Assert.DoesNotContain("ERR", report, StringComparison.Ordinal);
        Assert.DoesNotContain("WARN", report, StringComparison.Ordinal);
        foreach (var test in new[] { "SET", "GET", "INCR" })
        {
            Assert.Matches(new Regex($@"(^|[\r\n]){test}: [0-9.]+ requests per second"), report);
        }
    }
}

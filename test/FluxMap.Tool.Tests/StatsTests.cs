using System.Globalization;
using System.Text.RegularExpressions;

namespace FluxMap.Tool.Tests;

public sealed class StatsTests
{
    [Fact]
    public async Task Stats_shows_the_meter_of_a_database_committing_in_another_process()
    {
        using var temp = new TempDirectory();
        await using var worker = await StatsWorker.StartAsync(temp.Sub("db"), "orders");

        var run = await ToolProcess.RunAsync("stats", "--process", worker.Id.ToString(CultureInfo.InvariantCulture), "--count", "2", "--interval", "1");
        Assert.True(run.ExitCode == 0, run.Error);
        var commits = Regex.Matches(run.Output, @"│ orders\s*│ fluxmap\.commits\s*│\s*([\d,]+) │");
        Assert.Equal(2, commits.Count);
        Assert.All(commits, m => Assert.True(long.Parse(m.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0, m.Value));
        Assert.Contains("fluxmap.commit.duration", run.Output, StringComparison.Ordinal);
        Assert.Contains("fluxmap.aborts{fluxmap.conflict=write_write}", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_of_a_process_without_a_database_says_it_has_no_FluxMap_meter()
    {
        await using var worker = await StatsWorker.StartAsync("none");

        var run = await ToolProcess.RunAsync("stats", "--process", worker.Id.ToString(CultureInfo.InvariantCulture), "--interval", "1");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"Process {worker.Id} has no \"FluxMap\" meter", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_of_a_process_that_is_not_running_is_refused()
    {
        // A child that has exited: its id names no running process (until the system reuses it, far later).
        using var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!;
        await exited.WaitForExitAsync(TestContext.Current.CancellationToken);

        var run = await ToolProcess.RunAsync("stats", "--process", exited.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"There is no process with id {exited.Id}.", run.Error, StringComparison.Ordinal);
    }
}

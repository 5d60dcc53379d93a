using System.Diagnostics;

namespace FluxMap.Tool.Tests;

/// <summary>Runs the built tool as a process, as a user would (<c>dotnet FluxMap.Tool.dll ...</c>), and collects what it printed.</summary>
internal static class ToolProcess
{
    internal static Task<ToolRun> RunAsync(params string[] arguments) => RunWithInputAsync(null, arguments);

    internal static async Task<ToolRun> RunWithInputAsync(string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FluxMap.Tool.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new ToolRun(process.ExitCode, await output, await error);
    }
}

internal sealed record ToolRun(int ExitCode, string Output, string Error);

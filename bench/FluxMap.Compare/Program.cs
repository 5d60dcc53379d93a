using System.CommandLine;
using FluxMap.Compare;
using FluxMap.Compare.Reporting;
using FluxMap.Compare.Workloads;
using Spectre.Console;

var quick = new Option<bool>("--quick") { Description = "Smoke run: small sizes and 0.15 s rows, every store and workload, under two minutes." };
var records = new Option<long?>("--records") { Description = "Records loaded for YCSB and scans (default 1,000,000)." };
var operations = new Option<long?>("--operations") { Description = "Operations per YCSB/scan/transfer/durable row (default 1,000,000)." };
var keys = new Option<long[]>("--keys") { Description = "FeOxDB key counts (default 1000 100000 1000000).", AllowMultipleArgumentsPerToken = true };
var threads = new Option<int?>("--threads") { Description = "Threads for YCSB, scans and transfers (default: logical cores)." };
var writers = new Option<int[]>("--writers") { Description = "Durable-commit writer counts (default 1 8 64).", AllowMultipleArgumentsPerToken = true };
var accounts = new Option<long?>("--accounts") { Description = "Transfer accounts (default 100: contended)." };
var distributions = new Option<KeyDistribution[]>("--distributions") { Description = "YCSB key distributions (default uniform zipfian).", AllowMultipleArgumentsPerToken = true };
var seconds = new Option<double?>("--max-seconds") { Description = "Time limit of one row in seconds (default 20)." };
var stores = new Option<string[]>("--stores") { Description = "Store ids to run (default all; see the report's store table).", AllowMultipleArgumentsPerToken = true };
var workloads = new Option<string[]>("--workloads") { Description = "Workload id prefixes to run, e.g. ycsb-c feox-get durable (default all).", AllowMultipleArgumentsPerToken = true };
var output = new Option<string?>("--out") { Description = "Directory for README.md, charts and results.json (default docs/benchmarks)." };
var data = new Option<string?>("--data-dir") { Description = "Directory for the stores' files (default: system temp)." };
var noCharts = new Option<bool>("--no-charts") { Description = "Skip the PNG charts." };

var root = new RootCommand("Runs the same workloads against FluxMap and other .NET embedded stores and writes a markdown report with ratios.")
{
    quick, records, operations, keys, threads, writers, accounts, distributions, seconds, stores, workloads, output, data, noCharts,
};

root.SetAction(async (parsed, _) =>
{
    var baseline = parsed.GetValue(quick) ? CompareSettings.Quick : new CompareSettings();
    var settings = baseline with
    {
        Records = parsed.GetValue(records) ?? baseline.Records,
        Operations = parsed.GetValue(operations) ?? baseline.Operations,
        KeyCounts = parsed.GetValue(keys) is { Length: > 0 } k ? k : baseline.KeyCounts,
        Threads = parsed.GetValue(threads) ?? baseline.Threads,
        Writers = parsed.GetValue(writers) is { Length: > 0 } w ? w : baseline.Writers,
        Accounts = parsed.GetValue(accounts) ?? baseline.Accounts,
        Distributions = parsed.GetValue(distributions) is { Length: > 0 } d ? d : baseline.Distributions,
        MaxCellDuration = parsed.GetValue(seconds) is { } s ? TimeSpan.FromSeconds(s) : baseline.MaxCellDuration,
        Stores = parsed.GetValue(stores) ?? [],
        Workloads = parsed.GetValue(workloads) ?? [],
        OutputDirectory = parsed.GetValue(output) ?? baseline.OutputDirectory,
        DataDirectory = parsed.GetValue(data) ?? baseline.DataDirectory,
        Charts = !parsed.GetValue(noCharts),
        Command = "dotnet run -c Release --project bench/FluxMap.Compare --" + string.Concat(args.Select(a => " " + a)),
    };

    CompareReport report;
    if (AnsiConsole.Profile.Capabilities.Interactive)
    {
        report = await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting");
                var result = await CompareRunner.RunAsync(settings, new SpectreObserver(task));
                task.Value = task.MaxValue;
                return result;
            });
    }
    else
    {
        report = await CompareRunner.RunAsync(settings, new LineObserver(Console.Error));
    }

    Console.WriteLine($"Wrote {Path.Combine(settings.OutputDirectory, ReportWriter.ReportFile)} ({report.Results.Count} rows, {report.Duration.TotalSeconds:F0} s).");
    foreach (var (store, reason) in report.Unavailable)
    {
        Console.WriteLine($"Unavailable: {store}: {reason}");
    }

    return 0;
});

return await root.Parse(args).InvokeAsync();

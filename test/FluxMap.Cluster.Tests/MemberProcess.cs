using System.Collections.Concurrent;
using System.Diagnostics;
using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// One member in a child process (FluxMap.ClusterMember): requests go to its stdin, answers and
/// its leadership changes come from its stdout. It can be killed with SIGKILL and frozen with
/// SIGSTOP. A request it has not answered when it exits, or within <see cref="AnswerTimeout"/>,
/// is answered "unknown": the client learns nothing of its outcome, as over a network.
/// </summary>
internal sealed class MemberProcess
{
    /// <summary>How long a client waits for an answer; commits take milliseconds, an election on a loaded machine a second or two.</summary>
    internal static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly Signal _changed;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<string>> _pending = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _input = new();
    private readonly Task<string> _errors;
    private readonly Task _reader;
    private long _nextRequest;
    private volatile bool _leading;
    private volatile bool _exited;
    private volatile bool _frozen;

    private MemberProcess(int index, Process process, Signal changed)
    {
        Index = index;
        _process = process;
        _changed = changed;
        _errors = process.StandardError.ReadToEndAsync();
        _reader = Task.Run(ReadAsync);
    }

    internal int Index { get; }

    /// <summary>Gets the member's process id, by which a relay tells which member opened a connection.</summary>
    internal int ProcessId => _process.Id;

    /// <summary>Gets a value indicating whether the member said it leads, and runs.</summary>
    internal bool IsLeader => _leading && !_frozen && !_exited;

    internal static async Task<MemberProcess> StartAsync(int index, string[] arguments, Signal changed)
    {
        var process = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "FluxMap.ClusterMember.dll"), .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var member = new MemberProcess(index, process, changed);
        await member._ready.Task.WaitAsync(TestContext.Current.CancellationToken);
        return member;
    }

    /// <summary>Sends one request and returns the answer without its request id, or "unknown" after <see cref="AnswerTimeout"/>.</summary>
    internal Task<string> SendAsync(string command) => SendAsync(command, AnswerTimeout);

    /// <summary>Sends one request and returns the answer without its request id, or "unknown" after <paramref name="timeout"/>.</summary>
    internal async Task<string> SendAsync(string command, TimeSpan timeout)
    {
        var id = Interlocked.Increment(ref _nextRequest);
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        if (_exited)
        {
            // The reader may have answered the pending requests before this one was added.
            Unknown(id, "the member exited");
        }

        try
        {
            lock (_input)
            {
                _process.StandardInput.WriteLine($"{id} {command}");
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The member is gone; its reader answered, or answers.
        }

        try
        {
            return await answer.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Unknown(id, "no answer in time");
            return await answer.Task;
        }
    }

    /// <summary>SIGKILL: the member stops at once, with whatever it had on its disks.</summary>
    internal async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        await _reader;
        _process.Dispose();
    }

    /// <summary>SIGSTOP: the member stops answering anyone, its peers and its clients, as if cut off the network; its sockets stay open.</summary>
    internal async Task FreezeAsync()
    {
        _frozen = true;
        await SignalAsync("-STOP");
        _changed.Pulse();
    }

    /// <summary>SIGCONT: the member runs again where it stopped, its connections healed.</summary>
    internal async Task ThawAsync()
    {
        await SignalAsync("-CONT");
        _frozen = false;
        _changed.Pulse();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            switch (line)
            {
                case "ready":
                    _ready.TrySetResult();
                    break;
                case "! leader" or "! follower":
                    _leading = line == "! leader";
                    _changed.Pulse();
                    break;
                default:
                    var space = line.IndexOf(' ', StringComparison.Ordinal);
                    if (_pending.TryRemove(long.Parse(line[..space], System.Globalization.CultureInfo.InvariantCulture), out var answer))
                    {
                        answer.TrySetResult(line[(space + 1)..]);
                    }

                    break;
            }
        }

        _exited = true;
        foreach (var id in _pending.Keys)
        {
            Unknown(id, "the member exited");
        }

        _ready.TrySetException(new InvalidOperationException($"The member exited before it listened: {await _errors}"));
        _changed.Pulse();
    }

    private void Unknown(long id, string why)
    {
        if (_pending.TryRemove(id, out var answer))
        {
            answer.TrySetResult($"unknown {why}");
        }
    }
}

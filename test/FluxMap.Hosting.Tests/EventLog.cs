using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FluxMap.Hosting.Tests;

/// <summary>
/// A logger provider that keeps the event ids logged, in order, and lets a test wait for one:
/// background rounds announce their end only in the log, and waiting on it replaces sleeping.
/// </summary>
internal sealed class EventLog : ILoggerProvider
{
    private readonly ConcurrentQueue<int> _ids = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _waiters = new();

    public IReadOnlyList<int> Ids => [.. _ids];

    public Task WhenLogged(int eventId) => Waiter(eventId).Task;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private TaskCompletionSource Waiter(int eventId) =>
        _waiters.GetOrAdd(eventId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class Logger(EventLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            log._ids.Enqueue(eventId.Id);
            log.Waiter(eventId.Id).TrySetResult();
        }
    }
}

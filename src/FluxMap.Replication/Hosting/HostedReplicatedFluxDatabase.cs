using FluxMap.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FluxMap.Replication.Hosting;

/// <summary>
/// Starts one registered member when the host starts (opens its database and joins the cluster)
/// and stops it when the host stops (leaves the cluster and closes the database); the
/// dependency-injection container hands out the member it holds.
/// </summary>
internal sealed class HostedReplicatedFluxDatabase<TKey, TValue>(
    string? key,
    Func<string, string, CancellationToken, ValueTask<ReplicatedFluxDatabase<TKey, TValue>>> open) : IHostedService, IAsyncDisposable
    where TKey : notnull
{
    private readonly string _optionsName = key ?? Options.DefaultName;
    private ReplicatedFluxDatabase<TKey, TValue>? _member;

    internal string Name { get; } = key ?? "default";

    /// <summary>The member once the host has started it; null before.</summary>
    internal ReplicatedFluxDatabase<TKey, TValue>? Current => _member;

    internal ReplicatedFluxDatabase<TKey, TValue> Member => _member ?? throw new InvalidOperationException(
        $"The replicated FluxMap database '{Name}' joins its cluster when the host starts. Resolve {TypeName.Readable(typeof(ReplicatedFluxDatabase<TKey, TValue>))} " +
        "after IHost.StartAsync (in a request, or in a hosted service's ExecuteAsync), not while the host is built or started.");

    /// <summary>Opens the member: <c>open</c> gets the name of its options, its own name and the token.</summary>
    public async Task StartAsync(CancellationToken cancellationToken) =>
        _member = await open(_optionsName, Name, cancellationToken).ConfigureAwait(false);

    // Leaving the cluster and closing cannot be called off; past the host's shutdown timeout the
    // host stops waiting, and disposing the container still waits for the close.
    public Task StopAsync(CancellationToken cancellationToken) =>
        _member is null ? Task.CompletedTask : _member.DisposeAsync().AsTask().WaitAsync(cancellationToken);

    public ValueTask DisposeAsync() => _member?.DisposeAsync() ?? ValueTask.CompletedTask;
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FluxMap.Replication;

/// <summary>Opens members of a replicated FluxMap cluster.</summary>
public static class ReplicatedFluxDatabase
{
    /// <summary>
    /// Opens this member's database on its Raft log and joins the cluster; returns once the member
    /// listens (not once a leader is elected).
    /// </summary>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <typeparam name="TValue">The value type.</typeparam>
    /// <param name="replication">The cluster's members, this one's address and its log directory.</param>
    /// <param name="configure">Sets up the database (options with its data directory, comparer, serializer); durability is always Full with a data file.</param>
    /// <param name="loggerFactory">Logs the Raft engine's events; null for none.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The member.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The replication or database options are invalid.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">This member's Raft or forwarding endpoint (<see cref="ReplicationOptions.ForwardingPortOffset"/>) is taken.</exception>
    public static async ValueTask<ReplicatedFluxDatabase<TKey, TValue>> OpenAsync<TKey, TValue>(
        ReplicationOptions replication, Action<FluxDatabaseBuilder<TKey, TValue>> configure, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(replication);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = FluxDatabase.CreateBuilder<TKey, TValue>();
        configure(builder);
        var node = await ReplicaNode<TKey, TValue>.StartAsync(replication, builder, loggerFactory ?? NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
        return new ReplicatedFluxDatabase<TKey, TValue>(node);
    }
}

using FluxMap.Replication;

namespace FluxMap;

/// <summary>
/// Grain state in a replicated FluxMap: each silo hosts one member of one Raft cluster, so every
/// silo reads and writes the same data and a grain may activate on any of them. Return one from
/// <see cref="FluxMapGrainStorageOptions.OpenDatabase"/>; the provider disposes it, and the
/// member with it, when the silo stops.
/// </summary>
/// <remarks>
/// Writes run on this silo's member whichever role it has (a follower has the leader validate and
/// commit them). Reads first wait for a leader and pass a read barrier (one round trip to the
/// leader), so a grain activating here sees every write acknowledged on any silo before. Running
/// them as read-write transactions instead would not do: a follower does not send a transaction
/// that only read, so it would still read its own possibly stale state.
/// </remarks>
/// <param name="member">The member, opened; this instance owns it from now on.</param>
public sealed class ReplicatedGrainDatabase(ReplicatedFluxDatabase<string, byte[]> member) : IFluxGrainDatabase
{
    private readonly ReplicatedFluxDatabase<string, byte[]> _member = member ?? throw new ArgumentNullException(nameof(member));

    /// <summary>Gets the member this silo hosts, for its status and health.</summary>
    public ReplicatedFluxDatabase<string, byte[]> Member => _member;

    /// <summary>Gets <see langword="true"/>: every silo's member holds the same data.</summary>
    public bool IsSharedByAllSilos => true;

    /// <inheritdoc/>
    /// <exception cref="CommitOutcomeUnknownException">This silo's member is a follower, sent the transaction and lost the leader's answer: it may have committed.</exception>
    public ValueTask<TResult> TransactionAsync<TResult>(
        Func<FluxTransaction<string, byte[]>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default) =>
        _member.TransactionAsync(body, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<TResult> ReadAsync<TResult>(
        Func<FluxTransaction<string, byte[]>, CancellationToken, ValueTask<TResult>> body, CancellationToken cancellationToken = default)
    {
        await _member.WaitForLeaderAsync(cancellationToken).ConfigureAwait(false);
        await _member.ReadBarrierAsync(cancellationToken).ConfigureAwait(false);
        return await _member.ReadAsync(body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the cluster and closes the member.</summary>
    /// <returns>A task that completes once the member is closed.</returns>
    public ValueTask DisposeAsync() => _member.DisposeAsync();
}

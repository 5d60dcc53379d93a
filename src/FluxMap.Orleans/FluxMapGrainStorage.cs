using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace FluxMap.Grains;

/// <summary>
/// Orleans grain storage on FluxMap: one record per grain state, key <c>{stateName}/{grainId}</c>.
/// A write or clear compares the caller's ETag with the stored one and replaces the record in the
/// same FluxMap transaction, so of two writers holding one ETag exactly one succeeds (SSI makes the
/// check and the write one step). The grain state object changes only after the commit.
/// </summary>
internal sealed class FluxMapGrainStorage(FluxGrainDatabaseHost host, IGrainStorageSerializer serializer, IActivatorProvider activators) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = StorageKeys.GrainState(stateName, grainId);
        var stored = await host.Database.ReadAsync((tx, ct) => tx.GetAsync(key, ct), cancellationToken).ConfigureAwait(false);
        if (stored.TryGetValue(out var record))
        {
            var state = serializer.Deserialize<T>(GrainRecord.StateOf(record));
            grainState.State = state ?? activators.GetActivator<T>().Create();
            grainState.ETag = GrainRecord.ETagOf(record);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = activators.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);

        // Serialized before the transaction: a state the serializer cannot write fails with nothing written.
        var record = GrainRecord.Encode(RecordFormat.NewETag(), serializer.Serialize(grainState.State).ToMemory().Span);
        grainState.ETag = await ReplaceAsync(stateName, grainId, grainState.ETag, record, cancellationToken).ConfigureAwait(false);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        grainState.ETag = await ReplaceAsync(stateName, grainId, grainState.ETag, null, cancellationToken).ConfigureAwait(false);
        grainState.State = activators.GetActivator<T>().Create();
        grainState.RecordExists = false;
    }

    // Compares the stored ETag with the caller's and writes the record (null: removes it) in one transaction; returns the ETag stored now.
    private async Task<string?> ReplaceAsync(string stateName, GrainId grainId, string? expected, byte[]? record, CancellationToken cancellationToken)
    {
        var key = StorageKeys.GrainState(stateName, grainId);
        return await host.Database.TransactionAsync(
            async (tx, ct) =>
            {
                CheckETag(await tx.GetAsync(key, ct).ConfigureAwait(false), expected, stateName, grainId, record is null ? "clear" : "write");
                if (record is null)
                {
                    await tx.RemoveAsync(key, ct).ConfigureAwait(false);
                    return null;
                }

                await tx.InsertAsync(key, record, ct).ConfigureAwait(false);
                return GrainRecord.ETagOf(record);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private void CheckETag(FluxValue<byte[]> stored, string? expected, string stateName, GrainId grainId, string operation)
    {
        var current = stored.TryGetValue(out var record) ? GrainRecord.ETagOf(record) : null;
        if (!string.Equals(current, expected, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"The FluxMap grain storage '{host.Name}' refused to {operation} state '{stateName}' of grain {grainId}: " +
                $"it holds ETag '{current ?? "(none)"}', the grain had '{expected ?? "(none)"}'; another activation or writer changed it.",
                current,
                expected);
        }
    }
}

using Orleans.Storage;

namespace FluxMap;

/// <summary>
/// Settings of one FluxMap grain storage provider (named, as every Orleans provider). Bindable
/// from configuration; checked when the silo starts.
/// </summary>
public sealed class FluxMapGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>
    /// Gets or sets the local database's settings: set <see cref="FluxMapOptions.DataDirectory"/>.
    /// Durability defaults to <see cref="DurabilityMode.Full"/> here, so a write Orleans
    /// acknowledges is on disk; <see cref="DurabilityMode.InMemory"/> keeps nothing (tests).
    /// Not used when <see cref="OpenDatabase"/> is set.
    /// </summary>
    public FluxMapOptions Database { get; set; } = new() { Durability = DurabilityMode.Full };

    /// <summary>
    /// Gets or sets a function that opens the database in place of a local one from
    /// <see cref="Database"/>, such as a replicated FluxMap shared by all silos. It runs when the
    /// silo starts, with the silo's services and the provider's name; the provider disposes what it
    /// returns when the silo stops. Default <see langword="null"/>.
    /// </summary>
    public Func<IServiceProvider, string, CancellationToken, ValueTask<IFluxGrainDatabase>>? OpenDatabase { get; set; }

    /// <summary>
    /// Gets or sets whether a silo whose database is its own (not shared by all silos) may run in a
    /// cluster of several silos. Default <see langword="false"/>: such a silo refuses to start when
    /// other silos are up, and its storage stops serving when one joins later. Orleans may activate
    /// a grain on any silo, and a local database there holds no or an old copy of the grain's
    /// state: state would be lost or overwritten without an error. Set it only when something else
    /// keeps every grain on one silo, or in tests.
    /// </summary>
    public bool AllowLocalStoreInCluster { get; set; }

    /// <summary>
    /// Gets or sets the silo lifecycle stage at which the database opens (and, in reverse, closes).
    /// Default <see cref="ServiceLifecycleStage.ApplicationServices"/>.
    /// </summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;

    /// <summary>
    /// Gets or sets the serializer of grain state; by default the one registered under the
    /// provider's name, else the silo's <see cref="IGrainStorageSerializer"/>.
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}

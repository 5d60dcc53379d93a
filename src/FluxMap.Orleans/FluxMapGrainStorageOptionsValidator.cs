namespace FluxMap.Grains;

/// <summary>
/// Checks one provider's options when the silo starts (Orleans runs every
/// <see cref="IConfigurationValidator"/> then), naming the provider and each bad setting.
/// </summary>
internal sealed class FluxMapGrainStorageOptionsValidator(FluxMapGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var failures = new List<string>();
        if (options.InitStage < ServiceLifecycleStage.RuntimeServices)
        {
            // Before RuntimeServices the silo has neither its address nor a membership view to check the cluster with.
            failures.Add($"{nameof(FluxMapGrainStorageOptions.InitStage)} must be at least {ServiceLifecycleStage.RuntimeServices} (was {options.InitStage}).");
        }

        if (options.OpenDatabase is null)
        {
            if (options.Database is null)
            {
                failures.Add($"{nameof(FluxMapGrainStorageOptions.Database)} is required when {nameof(FluxMapGrainStorageOptions.OpenDatabase)} is not set.");
            }
            else if (new FluxMapOptionsValidator().Validate(name, options.Database) is { Failed: true } result)
            {
                failures.AddRange(result.Failures.Select(f => $"{nameof(FluxMapGrainStorageOptions.Database)}.{f}"));
            }
        }

        if (failures.Count > 0)
        {
            throw new OrleansConfigurationException($"The FluxMap grain storage '{name}' is misconfigured: {string.Join(" ", failures)}");
        }
    }
}

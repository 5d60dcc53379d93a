using Microsoft.Extensions.Logging;

namespace FluxMap.Hosting;

/// <summary>
/// Logs a hosted database's open progress: each phase's start and end at Information, the steps
/// between at Debug; and passes every report on to the progress the application set on the builder.
/// </summary>
internal sealed class LoggedOpenProgress(ILogger logger, string database, IProgress<OpenProgress>? next) : IProgress<OpenProgress>
{
    public void Report(OpenProgress value)
    {
        if (value.Done == 0 || value.Done == value.Total)
        {
            Log.OpenProgressed(logger, database, value.Phase, value.Done, value.Total);
        }
        else
        {
            Log.OpenStepped(logger, database, value.Phase, value.Done, value.Total);
        }

        next?.Report(value);
    }
}

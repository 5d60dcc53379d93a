namespace FluxMap.Hosting.Tests;

/// <summary>The log event ids the tests wait for or order by (FluxMap's Diagnostics/Log.cs and FluxMap.Hosting's Log.cs).</summary>
internal static class EventIds
{
    internal const int BackgroundServiceFailed = 200;
    internal const int Vacuumed = 201;
    internal const int Opened = 300;
    internal const int Closed = 301;
    internal const int ServicesStarted = 302;
    internal const int ServicesStopped = 303;
}

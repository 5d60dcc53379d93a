using System.Runtime;
using System.Runtime.InteropServices;

namespace FluxMap.Compare.Measurement;

/// <summary>The machine and runtime, printed beside every result.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Memory, string Os, string Runtime, string Gc)
{
    /// <summary>Describes this machine.</summary>
    public static MachineInfo Current()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new MachineInfo(
            CpuModel(),
            Environment.ProcessorCount,
            $"{memory / (1024.0 * 1024 * 1024):F1} GiB",
            $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}",
            RuntimeInformation.FrameworkDescription,
            $"{(GCSettings.IsServerGC ? "server" : "workstation")}, concurrent={GCSettings.LatencyMode != GCLatencyMode.Batch}");
    }

    private static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        var model = File.Exists(cpuInfo)
            ? File.ReadLines(cpuInfo).FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))
            : null;
        return model is null ? RuntimeInformation.ProcessArchitecture.ToString() : model[(model.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}

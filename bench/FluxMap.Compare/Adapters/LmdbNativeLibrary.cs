using System.Runtime.InteropServices;
using LightningDB;

namespace FluxMap.Compare.Adapters;

/// <summary>
/// Finds liblmdb for LightningDB. The package's own Linux build needs a newer glibc than some
/// distributions ship (Debian 12 has 2.36, it wants 2.38), so when it will not load we fall back
/// to the system's LMDB (Debian: <c>apt-get install liblmdb0</c>). When neither loads, opening the
/// store fails with the reason and the report lists LMDB as unavailable.
/// </summary>
internal static class LmdbNativeLibrary
{
    private static readonly string[] SystemNames = ["liblmdb.so.0", "liblmdb.so", "lmdb"];
    private static readonly Lazy<string> Registration = new(Register);

    /// <summary>Which library was loaded; throws <see cref="DllNotFoundException"/> when none would.</summary>
    public static string EnsureLoaded() => Registration.Value;

    private static string Register()
    {
        var assembly = typeof(LightningEnvironment).Assembly;
        var (handle, source) = Load(assembly);
        NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => name == "lmdb" ? handle : IntPtr.Zero);
        return source;
    }

    private static (IntPtr Handle, string Source) Load(System.Reflection.Assembly assembly)
    {
        if (NativeLibrary.TryLoad("lmdb", assembly, DllImportSearchPath.AssemblyDirectory, out var bundled))
        {
            return (bundled, "the LightningDB package's liblmdb");
        }

        foreach (var name in SystemNames)
        {
            if (NativeLibrary.TryLoad(name, out var system))
            {
                return (system, $"the system's {name} (the package's own build does not load here)");
            }
        }

        throw new DllNotFoundException(
            "liblmdb could not be loaded: the LightningDB package's build does not load on this system " +
            "(it needs glibc 2.38) and no system LMDB was found (Debian: apt-get install liblmdb0).");
    }
}

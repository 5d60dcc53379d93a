using System.Diagnostics.CodeAnalysis;
using FluxMap.Diagnostics;

namespace FluxMap;

/// <summary>
/// Throws <see cref="ObjectDisposedException"/> naming the type as a reader writes it
/// (<c>FluxTransaction&lt;string, int&gt;</c>); <see cref="ObjectDisposedException.ThrowIf(bool, Type)"/>
/// would name it <c>FluxMap.FluxTransaction`2[[System.String, System.Private.CoreLib, ...]]</c>.
/// </summary>
internal static class Disposed
{
    internal static void ThrowIf(bool disposed, Type type)
    {
        if (disposed)
        {
            Throw(type);
        }
    }

    // Out of line, so the check stays small enough to inline on every call's path.
    [DoesNotReturn]
    private static void Throw(Type type) => throw new ObjectDisposedException(TypeName.Readable(type));
}

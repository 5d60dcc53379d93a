using System.Reflection;
using FluxMap.Diagnostics;

namespace FluxMap.Serialization;

/// <summary>
/// A value could not be encoded; carries the path of types from the value down to the one that
/// failed, so the message can name the member at fault.
/// </summary>
internal sealed class ValueEncodingException : Exception
{
    private readonly List<Type> _path;

    internal ValueEncodingException(Type failed, string reason, Exception? inner)
        : base(reason, inner)
    {
        _path = [failed];
        Reason = reason;
    }

    private ValueEncodingException(List<Type> path, string reason, Exception? inner)
        : base(reason, inner)
    {
        _path = path;
        Reason = reason;
    }

    internal string Reason { get; }

    /// <summary>The same failure one level up: <paramref name="outer"/> holds the member that failed.</summary>
    internal ValueEncodingException Within(Type outer) => new([outer, .. _path], Reason, InnerException);

    /// <summary>Where it failed, as members: <c>Order.Attachment (System.IO.Stream)</c>.</summary>
    internal string Where()
    {
        var where = TypeName.Readable(_path[0]);
        for (var i = 1; i < _path.Count; i++)
        {
            var member = MemberOfType(_path[i - 1], _path[i]);
            where += member is null ? $" > {TypeName.Readable(_path[i])}" : $".{member} ({TypeName.Readable(_path[i])})";
        }

        return where;
    }

    // The formatters know types, not members: name the first public member the failing type fits.
    private static string? MemberOfType(Type owner, Type member)
    {
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;
        return owner.GetProperties(Public).FirstOrDefault(p => p.GetIndexParameters().Length == 0 && p.PropertyType.IsAssignableFrom(member))?.Name
            ?? owner.GetFields(Public).FirstOrDefault(f => f.FieldType.IsAssignableFrom(member))?.Name;
    }
}

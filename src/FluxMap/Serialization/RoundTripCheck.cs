using System.Text;

namespace FluxMap.Serialization;

/// <summary>
/// Values MessagePack stores but would not give back unchanged after a reopen: a string holding a
/// lone UTF-16 surrogate (UTF-8 has no form for it, so it comes back as U+FFFD) and a
/// <see cref="DateTime"/> that is not UTC (it comes back as UTC, its kind and, for local times,
/// its clock reading changed).
/// </summary>
internal static class RoundTripCheck
{
    /// <summary>The check for <typeparamref name="T"/>: a reason to refuse a value, or null; null when every value of the type round-trips.</summary>
    internal static Func<T, string?>? For<T>() =>
        typeof(T) == typeof(string) ? (Func<T, string?>)(object)new Func<string?, string?>(Text)
        : typeof(T) == typeof(DateTime) ? (Func<T, string?>)(object)new Func<DateTime, string?>(Time)
        : typeof(T) == typeof(DateTime?) ? (Func<T, string?>)(object)new Func<DateTime?, string?>(time => time is { } t ? Time(t) : null)
        : null;

    private static string? Text(string? text) =>
        text is null || text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0 || IsWellFormed(text)
            ? null
            : "the string holds a lone UTF-16 surrogate, which UTF-8 cannot store: it would read back as U+FFFD";

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            i += consumed;
        }

        return true;
    }

    private static string? Time(DateTime time) =>
        time.Kind == DateTimeKind.Utc
            ? null
            : $"the DateTime is {time.Kind}, and MessagePack stores times as UTC: it would read back as {time.ToUniversalTime():O} (Utc). Store DateTime.ToUniversalTime() or a DateTimeOffset";
}

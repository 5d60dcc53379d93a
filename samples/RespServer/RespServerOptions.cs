using System.Globalization;
using FluxMap;

namespace RespServer;

/// <summary>Where the server listens and how it keeps its data.</summary>
public sealed class RespServerOptions
{
    public const string Usage = """
        Usage: RespServer [--port <port>] [--durability InMemory|Relaxed|Full] [--data <directory>]
          --port        TCP port on 127.0.0.1 (default 6380; 0 picks a free one)
          --durability  InMemory (default), Relaxed (group commit) or Full (fsync per commit)
          --data        the database directory; required for Relaxed and Full
        """;

    /// <summary>The port on 127.0.0.1; 0 lets the system pick a free one (see <see cref="RespServerHost.EndPoint"/>).</summary>
    public int Port { get; set; } = 6380;

    /// <summary>The database's settings: durability, data directory and the rest.</summary>
    public FluxMapOptions Database { get; set; } = new();

    /// <summary>The clock that expiry runs on; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Reads command-line arguments.</summary>
    /// <exception cref="ArgumentException">An argument is unknown or its value is missing or invalid; the message says which.</exception>
    public static RespServerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new RespServerOptions();
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--port" when int.TryParse(value, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535:
                    options.Port = port;
                    break;
                case "--durability" when Enum.TryParse<DurabilityMode>(value, ignoreCase: true, out var durability):
                    options.Database.Durability = durability;
                    break;
                case "--data":
                    options.Database.DataDirectory = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option or invalid value: {args[i]} {value}");
            }
        }

        return options;
    }
}

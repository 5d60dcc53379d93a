using System.Net;
using Microsoft.Extensions.Options;

namespace FluxMap.Replication;

/// <summary>Checks <see cref="ReplicationOptions"/> before a member starts; every problem is named.</summary>
public sealed class ReplicationOptionsValidator : IValidateOptions<ReplicationOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ReplicationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPEndPoint.TryParse(options.LocalEndPoint ?? string.Empty, out var local) || local.Port == 0)
        {
            failures.Add($"LocalEndPoint '{options.LocalEndPoint}' is not an IP address with a port (for example 127.0.0.1:3262).");
        }

        var members = new HashSet<IPEndPoint>();
        foreach (var member in options.Members)
        {
            if (!IPEndPoint.TryParse(member, out var endPoint) || endPoint.Port == 0)
            {
                failures.Add($"Member '{member}' is not an IP address with a port.");
            }
            else if (!members.Add(endPoint))
            {
                failures.Add($"Member '{member}' is listed twice.");
            }
        }

        if (members.Count == 0)
        {
            failures.Add("Members is empty: list every member of the cluster, this one included.");
        }
        else if (local is not null && options.PublicEndPoint is null && !members.Contains(local))
        {
            failures.Add($"Members does not list LocalEndPoint '{options.LocalEndPoint}'.");
        }

        ValidateForwarding(options.ForwardingPortOffset, members, failures);

        if (string.IsNullOrWhiteSpace(options.LogDirectory))
        {
            failures.Add("LogDirectory is required: the Raft log and its snapshots live there.");
        }

        if (options.LowerElectionTimeout <= TimeSpan.Zero || options.UpperElectionTimeout <= options.LowerElectionTimeout)
        {
            failures.Add($"The election timeouts must satisfy 0 < LowerElectionTimeout ({options.LowerElectionTimeout}) < UpperElectionTimeout ({options.UpperElectionTimeout}).");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add($"RequestTimeout ({options.RequestTimeout}) must be positive.");
        }

        if (options.SnapshotInterval < 2)
        {
            failures.Add($"SnapshotInterval ({options.SnapshotInterval}) must be at least 2 log entries.");
        }

        if (options.MaxCommitsPerEntry < 1)
        {
            failures.Add($"MaxCommitsPerEntry ({options.MaxCommitsPerEntry}) must be at least 1.");
        }

        // The others know this member by its public address: Members lists that one, and DotNext
        // accepts a vote only from a member listed under the address it announces.
        if (options.PublicEndPoint is not null)
        {
            if (!IPEndPoint.TryParse(options.PublicEndPoint, out var announced) || announced.Port == 0)
            {
                failures.Add($"PublicEndPoint '{options.PublicEndPoint}' is not an IP address with a port (for example 10.0.0.5:3262).");
            }
            else if (members.Count > 0 && !members.Contains(announced))
            {
                failures.Add($"Members does not list PublicEndPoint '{options.PublicEndPoint}': the other members must know this one by the address it announces.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Each member's forwarding port must exist and must not be another member's Raft port on the same address.
    private static void ValidateForwarding(int offset, HashSet<IPEndPoint> members, List<string> failures)
    {
        if (offset == 0)
        {
            failures.Add("ForwardingPortOffset must not be 0: a member's forwarding port would be its Raft port.");
            return;
        }

        foreach (var member in members)
        {
            var port = (long)member.Port + offset;
            if (port is < 1 or > IPEndPoint.MaxPort)
            {
                failures.Add($"ForwardingPortOffset ({offset}) puts the forwarding port of member '{member}' at {port}, outside 1-{IPEndPoint.MaxPort}.");
            }
            else if (members.Contains(new IPEndPoint(member.Address, (int)port)))
            {
                failures.Add($"ForwardingPortOffset ({offset}) puts the forwarding port of member '{member}' on member '{member.Address}:{port}'s Raft port.");
            }
        }
    }
}

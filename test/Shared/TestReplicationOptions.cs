using FluxMap.Replication;

namespace FluxMap.Testing;

/// <summary>Replication settings of a member the tests run in one process with the others.</summary>
internal static class TestReplicationOptions
{
    /// <summary>Member <paramref name="index"/> of the members at <paramref name="endPoints"/>, with its Raft log in <paramref name="logDirectory"/>.</summary>
    internal static ReplicationOptions Member(string[] endPoints, int index, string logDirectory)
    {
        var replication = new ReplicationOptions
        {
            LocalEndPoint = endPoints[index],
            LogDirectory = logDirectory,

            // A loaded two-core machine runs several members and the test: elections must not fire on a slow heartbeat.
            LowerElectionTimeout = TimeSpan.FromMilliseconds(600),
            UpperElectionTimeout = TimeSpan.FromMilliseconds(1200),
            RequestTimeout = TimeSpan.FromMilliseconds(500),
        };
        foreach (var endPoint in endPoints)
        {
            replication.Members.Add(endPoint);
        }

        return replication;
    }
}

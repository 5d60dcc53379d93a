using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>The validator names each problem with where followers forward read-write transactions.</summary>
public sealed class ReplicationOptionsTests
{
    [Fact]
    public void Default_options_with_members_apart_validate()
    {
        var result = new ReplicationOptionsValidator().Validate(null, Options("127.0.0.1:3262", "127.0.0.1:3263"));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(0, "must not be 0")]
    [InlineData(1, "on member '127.0.0.1:3263's Raft port")]
    [InlineData(70_000, "outside 1-65535")]
    public void A_forwarding_port_that_cannot_be_used_is_named(int offset, string expected)
    {
        var options = Options("127.0.0.1:3262", "127.0.0.1:3263");
        options.ForwardingPortOffset = offset;

        var result = new ReplicationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    private static ReplicationOptions Options(params string[] members)
    {
        var options = new ReplicationOptions { LocalEndPoint = members[0], LogDirectory = "raft" };
        foreach (var member in members)
        {
            options.Members.Add(member);
        }

        return options;
    }
}

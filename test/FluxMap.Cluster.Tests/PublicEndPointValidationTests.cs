using FluxMap.Replication;

namespace FluxMap.Cluster.Tests;

/// <summary>
/// <see cref="ReplicationOptions.PublicEndPoint"/>: a member known to the others by another
/// address than it listens on is listed under that address, and the validator says so when not.
/// </summary>
public sealed class PublicEndPointValidationTests
{
    [Fact]
    public void Members_list_the_public_endpoint_instead_of_the_local_one()
    {
        var options = Options("127.0.0.2:4000", "127.0.0.1:5000", "127.0.0.1:5001");
        options.PublicEndPoint = "127.0.0.1:5000";

        Assert.True(new ReplicationOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("127.0.0.1:6000", "Members does not list PublicEndPoint '127.0.0.1:6000'")]
    [InlineData("relay:5000", "PublicEndPoint 'relay:5000' is not an IP address with a port")]
    public void A_public_endpoint_that_is_not_a_listed_ip_endpoint_is_named(string publicEndPoint, string failure)
    {
        var options = Options("127.0.0.1:5000", "127.0.0.1:5000", "127.0.0.1:5001");
        options.PublicEndPoint = publicEndPoint;

        var result = new ReplicationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(failure, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_public_endpoint_the_members_must_list_the_local_one()
    {
        var result = new ReplicationOptionsValidator().Validate(null, Options("127.0.0.2:4000", "127.0.0.1:5000", "127.0.0.1:5001"));

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Members does not list LocalEndPoint '127.0.0.2:4000'", StringComparison.Ordinal));
    }

    private static ReplicationOptions Options(string local, params string[] members)
    {
        var options = new ReplicationOptions { LocalEndPoint = local, LogDirectory = "raft" };
        foreach (var member in members)
        {
            options.Members.Add(member);
        }

        return options;
    }
}

using System.Globalization;
using OpenIvs.Server.Cluster;

namespace OpenIvs.Server.Tests.Cluster;

public sealed class ClusterOptionsTests
{
    [Theory]
    [InlineData("00:00:59", false)]
    [InlineData("00:01:00", true)]
    [InlineData("1.00:00:00", true)]
    [InlineData("3650.00:00:00", true)]
    [InlineData("3651.00:00:00", false)]
    public void DeadNodeRetentionIsBetweenAMinuteAndTenYears(string retention, bool valid)
    {
        var errors = new ClusterOptions { NodeId = "node-1", DeadNodeRetention = TimeSpan.Parse(retention, CultureInfo.InvariantCulture) }.Validate().ToList();
        Assert.Equal(valid, errors.Count == 0);
        Assert.All(errors, e => Assert.Contains("Cluster.DeadNodeRetention", e));
    }
}

using Microsoft.Extensions.Time.Testing;
using OpenIvs.Server.Auth;

namespace OpenIvs.Server.Tests.Auth;

public sealed class NodeSignatureTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void AGoodSignatureNamesTheNode()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T04:00:00Z"));
        var a = new NodeSignature(Key, "node-a", time);
        var b = new NodeSignature(Key, "node-b", time);
        var header = a.Sign("GET", "/api/video/v1/x.m3u8?_HLS_msn=3");
        Assert.Equal("node-a", b.Verify(header, "get", "/api/video/v1/x.m3u8?_HLS_msn=3"));
    }

    [Fact]
    public void AnyChangeOrAnotherKeyOrAnOldSignatureIsRefused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T04:00:00Z"));
        var a = new NodeSignature(Key, "node-a", time);
        var header = a.Sign("POST", "/_openivs/cluster/stop");
        var other = new NodeSignature(Enumerable.Repeat((byte)7, 32).ToArray(), "node-c", time);

        Assert.Null(a.Verify(header, "POST", "/_openivs/cluster/stop?x"));
        Assert.Null(a.Verify(header, "GET", "/_openivs/cluster/stop"));
        Assert.Null(a.Verify(header.Replace("node-a", "node-b", StringComparison.Ordinal), "POST", "/_openivs/cluster/stop"));
        Assert.Null(other.Verify(header, "POST", "/_openivs/cluster/stop"));
        Assert.Null(a.Verify(null, "POST", "/_openivs/cluster/stop"));
        Assert.Null(a.Verify("garbage", "POST", "/_openivs/cluster/stop"));
        Assert.Null(a.Verify("a:b:c", "POST", "/_openivs/cluster/stop"));

        time.Advance(NodeSignature.Validity + TimeSpan.FromSeconds(1));
        Assert.Null(a.Verify(header, "POST", "/_openivs/cluster/stop"));
    }
}

using OpenIvs.Server.Hosting;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Tests.Ingest;

/// <summary>The SRT listener's settings and the srt.endpoint channels report for them.</summary>
public class SrtOptionsTests
{
    [Fact]
    public void DefaultListenerIsLoopback9000AndTheEndpointLeavesThePortOutAsIvsDoes()
    {
        var options = new OpenIvsOptions();
        options.Validate();

        Assert.Equal("127.0.0.1:9000", options.SrtEndPoint!.ToString());
        Assert.Equal("127.0.0.1", options.CreateEndpointNames().SrtEndpoint("abcdef012345"));
    }

    [Fact]
    public void TheEndpointFollowsTheListenerUnlessAPublicPortOrHostIsGiven()
    {
        var options = new OpenIvsOptions { Srt = "0.0.0.0:9100" };
        Assert.Equal("127.0.0.1:9100", options.CreateEndpointNames().SrtEndpoint("abcdef012345"));

        options.Public.SrtHost = "{prefix}.srt.example.com";
        options.Public.SrtPort = 9000;
        Assert.Equal("abcdef012345.srt.example.com", options.CreateEndpointNames().SrtEndpoint("abcdef012345"));
    }

    [Fact]
    public void OffTurnsTheListenerOff()
    {
        var options = new OpenIvsOptions { Srt = "off" };
        options.Validate();
        Assert.Null(options.SrtEndPoint);
    }

    [Theory]
    [InlineData("srt://127.0.0.1:9000", "Srt 'srt://127.0.0.1:9000' is not HOST:PORT")]
    [InlineData("127.0.0.1", "Srt '127.0.0.1' is not HOST:PORT")]
    public void AnUnreadableListenerStopsTheServiceAtStart(string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new OpenIvsOptions { Srt = value }.Validate());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyOutsideLibsrtsUsefulRangeIsRefused()
    {
        var options = new OpenIvsOptions();
        options.Ingest.SrtLatency = TimeSpan.FromSeconds(30);
        Assert.Contains("Ingest.SrtLatency", Assert.Throws<InvalidOperationException>(options.Validate).Message, StringComparison.Ordinal);
    }
}

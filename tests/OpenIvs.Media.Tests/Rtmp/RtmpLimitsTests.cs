using OpenIvs.Media.Amf;
using OpenIvs.Media.Rtmp;

namespace OpenIvs.Media.Tests.Rtmp;

public class RtmpLimitsTests
{
    [Fact]
    public void DefaultsAreDocumentedValues()
    {
        var limits = new RtmpLimits();
        Assert.Equal(1024 * 1024, limits.MaxChunkSize);
        Assert.Equal(4 * 1024 * 1024, limits.MaxMessageLength);
        Assert.Equal(64, limits.MaxChunkStreams);
        Assert.Equal(8 * 1024 * 1024, limits.MaxInFlightBytes);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), limits.IdleTimeout);
        Assert.Equal(16, limits.Amf.MaxNestingDepth);
    }

    [Fact]
    public void SettersRejectValuesOutOfRange()
    {
        var limits = new RtmpLimits();
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.MaxChunkSize = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.MaxChunkSize = 32 * 1024 * 1024);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.MaxMessageLength = 0x1000000);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.MaxChunkStreams = 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.MaxInFlightBytes = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.HandshakeTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => limits.IdleTimeout = Timeout.InfiniteTimeSpan);
        Assert.Throws<ArgumentNullException>(() => limits.Amf = null!);
        var amf = new AmfLimits();
        Assert.Throws<ArgumentOutOfRangeException>(() => amf.MaxNestingDepth = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => amf.MaxElements = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => amf.MaxStringLength = 1);
        limits.MaxChunkSize = 65536;
        Assert.Equal(65536, limits.MaxChunkSize);
    }
}

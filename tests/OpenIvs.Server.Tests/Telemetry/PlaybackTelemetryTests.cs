using OpenIvs.Server.Telemetry;

namespace OpenIvs.Server.Tests.Telemetry;

/// <summary>How playback requests are labelled in metrics and spans: by kind and channel id, never by session or token.</summary>
public class PlaybackTelemetryTests
{
    [Theory]
    [InlineData("/api/video/v1/us-west-2.000000000000.channel.AbCdEf123456.m3u8", "multivariant", "AbCdEf123456")]
    [InlineData("/api/video/v1/us-west-2.000000000000.channel.AbCdEf123456/st-1/index.m3u8", "playlist", "AbCdEf123456")]
    [InlineData("/api/video/v1/us-west-2.000000000000.channel.AbCdEf123456/st-1/seg12.ts", "segment", "AbCdEf123456")]
    [InlineData("/api/video/v1/us-west-2.000000000000.channel.AbCdEf123456/st-1/part40.m4s", "part", "AbCdEf123456")]
    [InlineData("/api/video/v1/us-west-2.000000000000.channel.AbCdEf123456/st-1/session-secret/init0.mp4", "init", "AbCdEf123456")]
    [InlineData("/api/video/v1/whatever", "other", "-")]
    public void KindAndChannelComeFromThePathOnly(string path, string kind, string channelId)
    {
        Assert.Equal(kind, PlaybackTelemetry.KindOf(path));
        Assert.Equal(channelId, PlaybackTelemetry.ChannelIdOf(path));
    }
}

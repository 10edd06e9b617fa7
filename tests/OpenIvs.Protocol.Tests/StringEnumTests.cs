using System.Text.Json;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Serialization;

namespace OpenIvs.Protocol.Tests;

public class StringEnumTests
{
    [Fact]
    public void UnknownValueSurvivesRoundTrip()
    {
        var channel = JsonSerializer.Deserialize("""{"type":"ULTRA_HD","latencyMode":"LOW"}""", IvsJsonContext.Default.Channel)!;

        Assert.False(channel.Type!.Value.IsKnown);
        Assert.Equal("ULTRA_HD", channel.Type.Value.Value);
        Assert.Equal(ChannelLatencyMode.Low, channel.LatencyMode);
        Assert.Equal("""{"latencyMode":"LOW","type":"ULTRA_HD"}""", JsonSerializer.Serialize(channel, IvsJsonContext.Default.Channel));
    }

    [Fact]
    public void NonStringEnumIsRejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"type":3}""", IvsJsonContext.Default.Channel));
    }
}

using System.Buffers;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Messages;

public class ControlMessageTests
{
    private static ReadOnlySequence<byte> Split(string hex, int split) => Sequences.Create(Hex.Bytes(hex), split);

    [Fact]
    public void SetChunkSizeRoundTrips()
    {
        for (var split = 0; split <= 4; split++)
        {
            Assert.Equal(new SetChunkSize(4096), SetChunkSize.Parse(Split("00 00 10 00", split), 65536));
        }

        var bytes = new byte[4];
        new SetChunkSize(60000).Write(bytes);
        Assert.Equal(Hex.Bytes("00 00 EA 60"), bytes);
    }

    [Fact]
    public void AbortRoundTrips()
    {
        Assert.Equal(new AbortMessage(6), AbortMessage.Parse(Split("00 00 00 06", 2)));
        var bytes = new byte[4];
        new AbortMessage(320).Write(bytes);
        Assert.Equal(Hex.Bytes("00 00 01 40"), bytes);
    }

    [Fact]
    public void AcknowledgementRoundTrips()
    {
        Assert.Equal(new Acknowledgement(0xFFFFFFFF), Acknowledgement.Parse(Split("FF FF FF FF", 3)));
        var bytes = new byte[4];
        new Acknowledgement(2_500_000).Write(bytes);
        Assert.Equal(Hex.Bytes("00 26 25 A0"), bytes);
    }

    [Fact]
    public void WindowAcknowledgementSizeRoundTripsAndRejectsZero()
    {
        Assert.Equal(new WindowAcknowledgementSize(2_500_000), WindowAcknowledgementSize.Parse(Split("00 26 25 A0", 1)));
        Assert.Equal(RtmpProtocolError.InvalidControlMessage,
            Assert.Throws<RtmpProtocolException>(() => WindowAcknowledgementSize.Parse(Split("00 00 00 00", 0))).Error);
    }

    [Fact]
    public void SetPeerBandwidthRoundTrips()
    {
        for (var split = 0; split <= 5; split++)
        {
            Assert.Equal(new SetPeerBandwidth(2_500_000, PeerBandwidthLimitType.Dynamic), SetPeerBandwidth.Parse(Split("00 26 25 A0 02", split)));
        }

        var bytes = new byte[5];
        new SetPeerBandwidth(5_000_000, PeerBandwidthLimitType.Hard).Write(bytes);
        Assert.Equal(Hex.Bytes("00 4C 4B 40 00"), bytes);
        Assert.Throws<RtmpProtocolException>(() => SetPeerBandwidth.Parse(Split("00 26 25 A0 03", 0)));
    }

    [Theory]
    [InlineData("00 00 00 00 00 01", UserControlEventType.StreamBegin, 1u, 0u)]
    [InlineData("00 03 00 00 00 01 00 00 0B B8", UserControlEventType.SetBufferLength, 1u, 3000u)]
    [InlineData("00 06 00 01 E2 40", UserControlEventType.PingRequest, 123456u, 0u)]
    [InlineData("00 07 00 01 E2 40", UserControlEventType.PingResponse, 123456u, 0u)]
    public void UserControlRoundTrips(string hex, UserControlEventType type, uint value, uint second)
    {
        var bytes = Hex.Bytes(hex);
        for (var split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal(new UserControlMessage(type, value, second), UserControlMessage.Parse(Sequences.Create(bytes, split)));
        }

        var message = new UserControlMessage(type, value, second);
        var written = new byte[UserControlMessage.MaxPayloadLength];
        message.Write(written);
        Assert.Equal(bytes, written[..message.PayloadLength]);
    }

    [Theory]
    [InlineData("00 00 00 00 00")]
    [InlineData("00 03 00 00 00 01")]
    [InlineData("00 00 00 00 00 01 00 00 00 00 00")]
    public void MalformedUserControlIsRejected(string hex) =>
        Assert.Equal(RtmpProtocolError.InvalidControlMessage,
            Assert.Throws<RtmpProtocolException>(() => UserControlMessage.Parse(Split(hex, 0))).Error);

    [Theory]
    [InlineData("00 00 10")]
    [InlineData("00 00 10 00 00")]
    public void WrongLengthsAreRejected(string hex)
    {
        Assert.Throws<RtmpProtocolException>(() => SetChunkSize.Parse(Split(hex, 1), 65536));
        Assert.Throws<RtmpProtocolException>(() => Acknowledgement.Parse(Split(hex, 1)));
        Assert.Throws<RtmpProtocolException>(() => AbortMessage.Parse(Split(hex, 1)));
    }
}

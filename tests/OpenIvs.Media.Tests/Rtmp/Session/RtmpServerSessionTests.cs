using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Handshake;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Rtmp.Session;
using OpenIvs.Media.Tests.Codecs.Avc;
using OpenIvs.Media.Tests.Codecs.Hevc;
using OpenIvs.Media.Tests.Rtmp.Handshake;
using OpenIvs.Media.Tests.Testing;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Media.Tests.Rtmp.Session;

public class RtmpServerSessionTests
{
    private const string Key = "sk_us-west-2_abcdABCDefgh_SecretSecretSecret0123456";

    private static async Task<(RtmpTestClient Client, RecordingPublishHandler Handler, uint StreamId)> PublishingAsync(RtmpSessionOptions? options = null)
    {
        var handler = new RecordingPublishHandler();
        var client = new RtmpTestClient(handler, options).Start();
        await client.HandshakeAsync();
        await client.ConnectAsync();
        var streamId = await client.CreateStreamAsync();
        await client.PublishAsync(streamId, Key);
        var status = await client.ReceiveCommandAsync();
        Assert.Equal("NetStream.Publish.Start", status[3].GetString("code"));
        return (client, handler, streamId);
    }

    [Fact]
    public async Task ConnectIsAnsweredWithControlMessagesAndSuccess()
    {
        var handler = new RecordingPublishHandler();
        await using var client = new RtmpTestClient(handler).Start();
        await client.HandshakeAsync();
        Assert.Equal(RtmpHandshakeScheme.Simple, client.Session.HandshakeScheme);
        await client.ConnectAsync("live2");

        var was = await client.ReceiveAsync();
        Assert.Equal(RtmpMessageType.WindowAcknowledgementSize, was!.Type);
        Assert.Equal(2_500_000u, BinaryPrimitives.ReadUInt32BigEndian(was.Payload));
        var bandwidth = await client.ReceiveAsync();
        Assert.Equal(RtmpMessageType.SetPeerBandwidth, bandwidth!.Type);
        Assert.Equal(Hex.Bytes("00 26 25 A0 02"), bandwidth.Payload);
        var chunkSize = await client.ReceiveAsync();
        Assert.Equal(RtmpMessageType.SetChunkSize, chunkSize!.Type);
        Assert.Equal(4096u, BinaryPrimitives.ReadUInt32BigEndian(chunkSize.Payload));
        var result = await client.ReceiveCommandAsync();
        Assert.Equal("_result", result[0].AsString);
        Assert.Equal(1.0, result[1].AsNumber);
        Assert.Equal("NetConnection.Connect.Success", result[3].GetString("code"));
        Assert.Equal("live2", client.Session.App);

        await client.CompleteAsync();
        Assert.Equal(RtmpSessionEndReason.PeerClosed, await client.Run);
        Assert.Empty(handler.Unpublishes);
    }

    [Fact]
    public async Task PublishFlowDeliversMetadataConfigsAndFrames()
    {
        var handler = new RecordingPublishHandler();
        await using var client = new RtmpTestClient(handler).Start();
        await client.HandshakeAsync();
        await client.ConnectAsync();
        var streamId = await client.CreateStreamAsync();
        Assert.Equal(1u, streamId);
        await client.PublishAsync(streamId, Key);

        var streamBegin = await client.ReceiveAsync();
        Assert.Equal(RtmpMessageType.UserControl, streamBegin!.Type);
        Assert.Equal(UserControlMessage.StreamBegin(1), UserControlMessage.Parse(new(streamBegin.Payload)));
        var status = await client.ReceiveAsync();
        Assert.Equal(1u, status!.MessageStreamId);
        var values = Amf0Reader.ReadAll(status.Payload);
        Assert.Equal("onStatus", values[0].AsString);
        Assert.Equal("NetStream.Publish.Start", values[3].GetString("code"));
        Assert.DoesNotContain(Key, values[3].ToString());

        var request = Assert.Single(handler.Publishes);
        Assert.Equal("app", request.App);
        Assert.Equal(Key, request.StreamName);
        Assert.Equal("live", request.PublishType);
        Assert.Equal("rtmp://127.0.0.1:1935/app", request.TcUrl);
        Assert.DoesNotContain(Key, request.ToString());

        // Replay the ffmpeg clip the way ffmpeg publishes it.
        var tags = TestFiles.ReadFlvTags("Flv/h264_high_720p30_aac48k.flv");
        foreach (var (type, timestamp, data) in tags)
        {
            if (type == FlvTagType.Script)
            {
                await client.SendAsync(4, RtmpMessageType.DataAmf0, streamId, timestamp, [.. RtmpTestClient.Encode("@setDataFrame"), .. data]);
            }
            else
            {
                await client.SendAsync(type == FlvTagType.Audio ? 4 : 6, (RtmpMessageType)type, streamId, timestamp, data);
            }
        }

        await client.SendCommandAsync(0, "FCUnpublish", 6.0, AmfValue.Null, Key);
        await client.SendCommandAsync(0, "deleteStream", 7.0, AmfValue.Null, (double)streamId);
        await client.CompleteAsync();
        Assert.Equal(RtmpSessionEndReason.Unpublished, await client.Run);
        Assert.Equal([RtmpSessionEndReason.Unpublished], handler.Unpublishes);

        var metadata = Assert.Single(handler.Metadata);
        Assert.StartsWith("Lavf", metadata.Encoder);
        Assert.Equal((1280.0, 720.0, 30.0), (metadata.Width, metadata.Height, metadata.FrameRate));
        Assert.Equal(48000.0, metadata.AudioSampleRate);
        Assert.Equal("7", metadata.VideoCodecId);

        var video = Assert.Single(handler.VideoConfigs);
        Assert.Equal(("avc1.64001F", "High", "3.1", 1280, 720, 30.0), (video.CodecString, video.Profile, video.Level, video.Width, video.Height, video.FrameRate!.Value));
        var audio = Assert.Single(handler.AudioConfigs);
        Assert.Equal(("mp4a.40.2", 48000, 2), (audio.CodecString, audio.SampleRate, audio.Channels));

        var sentVideo = tags.Where(t => t.Type == FlvTagType.Video && t.Data[1] == 1).ToList();
        var frames = handler.Video.ToList();
        Assert.Equal(sentVideo.Count, frames.Count);
        Assert.True(frames[0].IsKeyframe);
        for (var i = 0; i < frames.Count; i++)
        {
            Assert.Equal(sentVideo[i].Timestamp, frames[i].Timestamp);
            Assert.Equal(sentVideo[i].Data[5..], frames[i].Payload);
            Assert.Equal((sentVideo[i].Data[2] << 16 | sentVideo[i].Data[3] << 8 | sentVideo[i].Data[4]), frames[i].CompositionOffset);
        }

        Assert.Equal(tags.Count(t => t.Type == FlvTagType.Audio && t.Data[1] == 1), handler.Audio.Count());
    }

    [Fact]
    public async Task RejectedPublishClosesWithoutAnyStatus()
    {
        var handler = new RecordingPublishHandler { Decide = _ => PublishDecision.Reject("unknown stream key") };
        await using var client = new RtmpTestClient(handler).Start();
        await client.HandshakeAsync();
        await client.ConnectAsync();
        var streamId = await client.CreateStreamAsync();
        await client.PublishAsync(streamId, Key);
        Assert.Equal(RtmpSessionEndReason.PublishRejected, await client.Run);
        var rest = await client.ReceiveRestAsync();
        Assert.DoesNotContain(rest, m => m.Type == RtmpMessageType.CommandAmf0 && Amf0Reader.ReadAll(m.Payload)[0].AsString == "onStatus");
        Assert.Empty(handler.Unpublishes);
        Assert.Single(handler.Publishes);
    }

    [Fact]
    public async Task StreamKeyNeverAppearsInExceptionMessages()
    {
        var attacks = new Func<RtmpTestClient, uint, Task>[]
        {
            (c, s) => c.PublishAsync(s, Key), // a second publish
            (c, s) => c.SendAsync(6, RtmpMessageType.Video, s, 0, Hex.Bytes("17 00 00 00 00 02")), // broken avcC
            (c, s) => c.SendAsync(6, RtmpMessageType.Video, s, 0, Hex.Bytes("22 00")), // Sorenson
            (c, s) => c.SendAsync(4, RtmpMessageType.Audio, s, 0, Hex.Bytes("2F 00")), // MP3
            (c, s) => c.SendAsync(3, RtmpMessageType.CommandAmf0, s, 0, [.. RtmpTestClient.Encode("FCUnpublish", 1.0, AmfValue.Null), 0x02, 0xFF, 0xFF, .. System.Text.Encoding.UTF8.GetBytes(Key)]),
            (c, s) => c.SendAsync(2, RtmpMessageType.SetChunkSize, 0, 0, Hex.Bytes("7F FF FF FF")),
        };
        foreach (var attack in attacks)
        {
            var (client, handler, streamId) = await PublishingAsync();
            await using (client)
            {
                await attack(client, streamId);
                var error = await Assert.ThrowsAsync<RtmpProtocolException>(() => client.Run);
                for (Exception? e = error; e is not null; e = e.InnerException)
                {
                    Assert.DoesNotContain(Key, e.Message);
                    Assert.DoesNotContain(Key, e.ToString());
                }

                Assert.Equal([RtmpSessionEndReason.ProtocolError], handler.Unpublishes);
            }
        }
    }

    [Fact]
    public async Task PingIsAnswered()
    {
        var (client, _, _) = await PublishingAsync();
        await using (client)
        {
            await client.SendAsync(2, RtmpMessageType.UserControl, 0, 0, Hex.Bytes("00 06 00 01 E2 40"));
            var pong = await client.ReceiveAsync();
            Assert.Equal(RtmpMessageType.UserControl, pong!.Type);
            Assert.Equal(Hex.Bytes("00 07 00 01 E2 40"), pong.Payload);
        }
    }

    [Fact]
    public async Task AcknowledgementsFollowTheWindow()
    {
        var (client, _, streamId) = await PublishingAsync(new RtmpSessionOptions { WindowAcknowledgementSize = 4096 });
        await using (client)
        {
            for (var i = 0; i < 3; i++)
            {
                await client.SendAsync(4, RtmpMessageType.Audio, streamId, (uint)i, [0xAF, 0x01, .. new byte[3000]]);
            }

            await client.SendCommandAsync(0, "getStreamLength", 9.0, AmfValue.Null);
            var acks = new List<uint>();
            await client.CompleteAsync();
            foreach (var message in await client.ReceiveRestAsync())
            {
                if (message.Type == RtmpMessageType.Acknowledgement)
                {
                    acks.Add(Acknowledgement.Parse(new(message.Payload)).SequenceNumber);
                }
            }

            Assert.NotEmpty(acks);
            Assert.All(acks, a => Assert.True(a >= 4096));
            Assert.Equal(acks.Order(), acks);
            Assert.True(acks[^1] <= client.Session.BytesReceived);
        }
    }

    [Fact]
    public async Task PeerChunkSizeOverTheLimitFailsThePublish()
    {
        var options = new RtmpSessionOptions { Limits = new RtmpLimits { MaxChunkSize = 65536 } };
        var (client, handler, _) = await PublishingAsync(options);
        await using (client)
        {
            await client.SendAsync(2, RtmpMessageType.SetChunkSize, 0, 0, Hex.Bytes("00 01 00 01"));
            var error = await Assert.ThrowsAsync<RtmpProtocolException>(() => client.Run);
            Assert.Equal(RtmpProtocolError.ChunkSizeOutOfRange, error.Error);
            Assert.Equal([RtmpSessionEndReason.ProtocolError], handler.Unpublishes);
        }
    }

    [Fact]
    public async Task HandshakeTimesOutOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        await using var client = new RtmpTestClient(new RecordingPublishHandler(), new RtmpSessionOptions { TimeProvider = time }).Start();
        await client.WriteRawAsync([3, 0, 0]);
        time.Advance(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<RtmpProtocolException>(() => client.Run);
        Assert.Equal(RtmpProtocolError.HandshakeTimeout, error.Error);
    }

    [Fact]
    public async Task IdlePublisherTimesOutOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var (client, handler, _) = await PublishingAsync(new RtmpSessionOptions { TimeProvider = time });
        await using (client)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            var error = await Assert.ThrowsAsync<RtmpProtocolException>(() => client.Run);
            Assert.Equal(RtmpProtocolError.IdleTimeout, error.Error);
            Assert.Equal([RtmpSessionEndReason.ProtocolError], handler.Unpublishes);
        }
    }

    [Fact]
    public async Task CancellationEndsThePublish()
    {
        using var cancellation = new CancellationTokenSource();
        var handler = new RecordingPublishHandler();
        await using var client = new RtmpTestClient(handler).Start(cancellation.Token);
        await client.HandshakeAsync();
        await client.ConnectAsync();
        await client.PublishAsync(await client.CreateStreamAsync(), Key);
        await client.ReceiveCommandAsync();
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Run);
        Assert.Equal([RtmpSessionEndReason.Cancelled], handler.Unpublishes);
    }

    [Fact]
    public async Task PlayIsRefused()
    {
        var handler = new RecordingPublishHandler();
        await using var client = new RtmpTestClient(handler).Start();
        await client.HandshakeAsync();
        await client.ConnectAsync();
        var streamId = await client.CreateStreamAsync();
        await client.SendCommandAsync(streamId, "play", 5.0, AmfValue.Null, Key);
        var status = await client.ReceiveCommandAsync();
        Assert.Equal("NetStream.Play.Failed", status[3].GetString("code"));
        Assert.Equal(RtmpSessionEndReason.PlayRefused, await client.Run);
        Assert.Empty(handler.Publishes);
    }

    [Theory]
    [InlineData(RtmpHandshakeScheme.Digest0)]
    [InlineData(RtmpHandshakeScheme.Digest1)]
    public async Task DigestClientsGetTheDigestAnswer(RtmpHandshakeScheme scheme)
    {
        await using var client = new RtmpTestClient(new RecordingPublishHandler()).Start();
        await client.HandshakeAsync(RtmpHandshakeTests.DigestC1(scheme));
        await client.ConnectAsync();
        await client.ReceiveCommandAsync();
        Assert.Equal(scheme, client.Session.HandshakeScheme);
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(client.S0S1S2.AsSpan(5)));
    }

    [Fact]
    public async Task PublishBeforeConnectIsRejected()
    {
        await using var client = new RtmpTestClient(new RecordingPublishHandler()).Start();
        await client.HandshakeAsync();
        await client.PublishAsync(1, Key);
        Assert.Equal(RtmpProtocolError.UnexpectedCommand, (await Assert.ThrowsAsync<RtmpProtocolException>(() => client.Run)).Error);
    }

    [Fact]
    public async Task MediaBeforePublishIsDropped()
    {
        var handler = new RecordingPublishHandler();
        await using var client = new RtmpTestClient(handler).Start();
        await client.HandshakeAsync();
        await client.ConnectAsync();
        await client.SendAsync(6, RtmpMessageType.Video, 1, 0, [0x17, 0x00, 0, 0, 0, .. AvcTests.AvcC("Flv/h264_high_720p30_aac48k.flv")]);
        await client.CompleteAsync();
        Assert.Equal(RtmpSessionEndReason.PeerClosed, await client.Run);
        Assert.Empty(handler.VideoConfigs);
    }

    [Fact]
    public async Task EnhancedRtmpHevc()
    {
        var (client, handler, streamId) = await PublishingAsync();
        await using (client)
        {
            var hvcC = HevcTests.HvcC("Mp4/hevc_main_1280x720.mp4");
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, [0x90, .. "hvc1"u8, .. hvcC]);
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, [0x91, .. "hvc1"u8, 0, 0, 40, 0, 0, 0, 2, 0x26, 0x01]);
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 33, [0xA3, .. "hvc1"u8, 0, 0, 0, 2, 0x02, 0x01]);
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 66, [0xD1, 0x00]); // command frame: ignored
            await client.CompleteAsync();
            await client.Run;

            var track = Assert.Single(handler.VideoConfigs);
            Assert.Equal((VideoCodec.Hevc, "hvc1.1.6.L93.90", 1280, 720), (track.Codec, track.CodecString, track.Width, track.Height));
            Assert.Equal(hvcC, track.DecoderConfiguration);
            var frames = handler.Video.ToList();
            Assert.Equal(2, frames.Count);
            Assert.Equal((0L, 40, true), (frames[0].Timestamp, frames[0].CompositionOffset, frames[0].IsKeyframe));
            Assert.Equal((33L, 0, false), (frames[1].Timestamp, frames[1].CompositionOffset, frames[1].IsKeyframe));
            Assert.Equal(Hex.Bytes("00 00 00 02 26 01"), frames[0].Payload);
        }
    }

    [Fact]
    public async Task ShortNalLengthPrefixesAreWidenedToFourBytes()
    {
        var (client, handler, streamId) = await PublishingAsync();
        await using (client)
        {
            var avcC = AvcTests.AvcC("Flv/h264_high_720p30_aac48k.flv");
            avcC[4] = 0xFD; // lengthSizeMinusOne = 1
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, [0x17, 0x00, 0, 0, 0, .. avcC]);
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, [0x17, 0x01, 0, 0, 0, .. Hex.Bytes("00 03 65 AA BB 00 02 41 CC")]);
            await client.CompleteAsync();
            await client.Run;
            Assert.Equal(Hex.Bytes("00 00 00 03 65 AA BB 00 00 00 02 41 CC"), Assert.Single(handler.Video).Payload);
        }
    }

    [Fact]
    public async Task TimestampsContinuePastTheThirtyTwoBitWrap()
    {
        var (client, handler, streamId) = await PublishingAsync();
        await using (client)
        {
            var asc = Hex.Bytes("11 90");
            await client.SendAsync(4, RtmpMessageType.Audio, streamId, 0xFFFFFF00, [0xAF, 0x00, .. asc]);
            await client.SendAsync(4, RtmpMessageType.Audio, streamId, 0xFFFFFFF0, [0xAF, 0x01, 0x21]);
            await client.SendAsync(4, RtmpMessageType.Audio, streamId, 0x00000010, [0xAF, 0x01, 0x21]);
            await client.CompleteAsync();
            await client.Run;
            Assert.Equal([0xFFFFFFF0L, 0x1_0000_0010L], handler.Audio.Select(f => f.Timestamp));
        }
    }

    [Fact]
    public async Task RepeatedSequenceHeadersAreReportedOnce()
    {
        var (client, handler, streamId) = await PublishingAsync();
        await using (client)
        {
            var header = (byte[])[0x17, 0x00, 0, 0, 0, .. AvcTests.AvcC("Flv/h264_high_720p30_aac48k.flv")];
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, header);
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, header);
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, [0x17, 0x00, 0, 0, 0, .. AvcTests.AvcC("Flv/h264_baseline_360p25_aac44k.flv")]);
            await client.CompleteAsync();
            await client.Run;
            Assert.Equal(["avc1.64001F", "avc1.42C01E"], handler.VideoConfigs.Select(v => v.CodecString));
        }
    }

    [Theory]
    [InlineData("22 00", RtmpProtocolError.UnsupportedVideoCodec)]
    [InlineData("91 76 70 30 39", RtmpProtocolError.UnsupportedVideoCodec)]
    [InlineData("97 68 76 63 31", RtmpProtocolError.UnsupportedVideoCodec)] // ModEx
    [InlineData("96 68 76 63 31", RtmpProtocolError.InvalidMediaMessage)] // multitrack of type 6
    [InlineData("96 00 76 70 30 39 01 00", RtmpProtocolError.UnsupportedVideoCodec)] // a VP9 track
    [InlineData("17 01 00", RtmpProtocolError.InvalidMediaMessage)]
    public async Task BadVideoFailsWithATypedError(string hex, RtmpProtocolError expected)
    {
        var (client, _, streamId) = await PublishingAsync();
        await using (client)
        {
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, Hex.Bytes(hex));
            Assert.Equal(expected, (await Assert.ThrowsAsync<RtmpProtocolException>(() => client.Run)).Error);
        }
    }

    [Fact]
    public async Task MultitrackTracksBesidesZeroAreReportedAsTracks()
    {
        var (client, handler, streamId) = await PublishingAsync();
        await using (client)
        {
            var high = AvcTests.AvcC("Flv/h264_high_720p30_aac48k.flv");
            var low = AvcTests.AvcC("Flv/h264_baseline_360p25_aac44k.flv");
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 0, MultitrackVideoMessages.Build(true, 0,
                new MultitrackVideoMessages.Track(0, MultitrackVideoMessages.Avc1, high), new MultitrackVideoMessages.Track(1, MultitrackVideoMessages.Avc1, low)));
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 40, MultitrackVideoMessages.Build(true, 1,
                new MultitrackVideoMessages.Track(0, MultitrackVideoMessages.Avc1, [0, 0, 0, 2, 0x65, 0x88], 80),
                new MultitrackVideoMessages.Track(1, MultitrackVideoMessages.Avc1, [0, 0, 0, 1, 0x65])));
            // OBS sends track 0 as ordinary Enhanced RTMP and the others one track per message.
            await client.SendAsync(6, RtmpMessageType.Video, streamId, 73, MultitrackVideoMessages.Build(false, 1,
                new MultitrackVideoMessages.Track(1, MultitrackVideoMessages.Avc1, [0, 0, 0, 1, 0x41], -33)));
            await client.CompleteAsync();
            await client.Run;

            Assert.Equal(["avc1.64001F"], handler.VideoConfigs.Select(v => v.CodecString));
            var (trackId, track) = Assert.Single(handler.TrackConfigs);
            Assert.Equal((1, "avc1.42C01E", 640), (trackId, track.CodecString, track.Width));
            var main = Assert.Single(handler.Video);
            Assert.Equal((40L, 80, true), (main.Timestamp, main.CompositionOffset, main.IsKeyframe));
            Assert.Equal(Hex.Bytes("00 00 00 02 65 88"), main.Payload);
            Assert.Equal([(1, 40L, 0, true), (1, 73L, -33, false)], handler.TrackFrames.Select(f => ((int)f.TrackId, f.Frame.Timestamp, f.Frame.CompositionOffset, f.Frame.IsKeyframe)));
        }
    }

    [Fact]
    public async Task NonAacAudioFails()
    {
        var (client, _, streamId) = await PublishingAsync();
        await using (client)
        {
            await client.SendAsync(4, RtmpMessageType.Audio, streamId, 0, Hex.Bytes("2F FF FB"));
            Assert.Equal(RtmpProtocolError.UnsupportedAudioCodec, (await Assert.ThrowsAsync<RtmpProtocolException>(() => client.Run)).Error);
        }
    }
}

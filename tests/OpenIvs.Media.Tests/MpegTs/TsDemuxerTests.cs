using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Frames;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Tests.Support;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.MpegTs;

public class TsDemuxerTests
{
    private const string High = "MpegTs/h264_high_360p30_aac48k.ts";
    private const string Baseline = "MpegTs/h264_baseline_240p25_aac44k_mono.ts";

    /// <summary>What came out of a demuxer, copied so it outlives the pooled frames.</summary>
    public sealed record Output(List<VideoTrackInfo> Videos, List<AudioTrackInfo> Audios, List<MediaFrameData> Frames, List<string> Order)
    {
        public IEnumerable<MediaFrameData> Video => Frames.Where(f => f.Kind == MediaKind.Video);

        public IEnumerable<MediaFrameData> Audio => Frames.Where(f => f.Kind == MediaKind.Audio);
    }

    public static Output Drain(TsDemuxer demuxer, Output? into = null)
    {
        into ??= new Output([], [], [], []);
        while (demuxer.TryRead(out var item))
        {
            if (item.VideoConfig is { } video)
            {
                into.Videos.Add(video);
                into.Order.Add("video-config");
            }
            else if (item.AudioConfig is { } audio)
            {
                into.Audios.Add(audio);
                into.Order.Add("audio-config");
            }
            else
            {
                var frame = item.Frame!;
                into.Frames.Add(new MediaFrameData(frame.Kind, frame.Payload.ToArray(), frame.Timestamp, frame.CompositionOffset, frame.IsKeyframe));
                into.Order.Add($"{frame.Kind} {frame.Timestamp} {frame.CompositionOffset} {frame.IsKeyframe} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(frame.Payload.Span))}");
                frame.Release();
            }
        }

        return into;
    }

    public static Output Demux(byte[] ts, TsDemuxerLimits? limits = null, ArrayPool<byte>? pool = null)
    {
        using var demuxer = new TsDemuxer(limits, pool);
        demuxer.Write(ts);
        demuxer.Flush();
        return Drain(demuxer);
    }

    [Fact]
    public void FfmpegHighProfileStreamBecomesTheTracksAndFramesRtmpWouldDeliver()
    {
        var output = Demux(TestFiles.Read(High));

        var video = Assert.Single(output.Videos);
        Assert.Equal((VideoCodec.Avc, "High", 640, 360, 30.0), (video.Codec, video.Profile, video.Width, video.Height, video.FrameRate));
        Assert.StartsWith("avc1.64", video.CodecString, StringComparison.Ordinal);
        Assert.Equal(0xFD, video.DecoderConfiguration[^4]); // the High-profile avcC tail: chroma_format 4:2:0
        var audio = Assert.Single(output.Audios);
        Assert.Equal(("mp4a.40.2", 2, 48000, 2), (audio.CodecString, audio.ObjectType, audio.SampleRate, audio.Channels));
        Assert.Equal([0x11, 0x90], audio.AudioSpecificConfig);
        Assert.Equal(["video-config", "audio-config"], output.Order.Where(o => o.EndsWith("config", StringComparison.Ordinal)).ToArray());

        // ffprobe counts 60 video frames and 95 AAC frames; a 2 s clip with -g 30 has two IDRs.
        var frames = output.Video.ToList();
        Assert.Equal(60, frames.Count);
        Assert.Equal(95, output.Audio.Count());
        Assert.Equal([0, 30], frames.Select((f, i) => (f, i)).Where(x => x.f.IsKeyframe).Select(x => x.i).ToArray());

        // ffprobe: first video packet DTS 126000, PTS 132000 (two B-frames); milliseconds start one second before it.
        Assert.Equal(933, frames[0].Timestamp); // 126000 - (132000 - 90000) = 84000 ticks
        Assert.Equal(67, frames[0].CompositionOffset); // the PTS is 1000 ms exactly
        Assert.All(frames.Zip(frames.Skip(1)), p => Assert.InRange(p.Second.Timestamp - p.First.Timestamp, 33, 34));
        var audioFrames = output.Audio.ToList();
        Assert.All(audioFrames.Zip(audioFrames.Skip(1)), p => Assert.InRange(p.Second.Timestamp - p.First.Timestamp, 21, 22)); // 1024 / 48 kHz
        Assert.All(frames, f => AssertAvcc(f.Payload));
    }

    [Fact]
    public void NonDefaultPidsMonoAudioAndBaselineProfile()
    {
        var output = Demux(TestFiles.Read(Baseline));

        var video = Assert.Single(output.Videos);
        Assert.Equal(("Baseline", 320, 240), (video.Profile, video.Width, video.Height));
        var spsLength = video.DecoderConfiguration[6] << 8 | video.DecoderConfiguration[7];
        Assert.Equal(11 + spsLength + ReadPpsLength(video.DecoderConfiguration), video.DecoderConfiguration.Length); // no High-profile tail
        var audio = Assert.Single(output.Audios);
        Assert.Equal((44100, 1), (audio.SampleRate, audio.Channels));
        Assert.Equal(25, output.Video.Count());
        Assert.Equal(45, output.Audio.Count());
        Assert.Equal(0, output.Video.First().CompositionOffset);
    }

    [Fact]
    public void EveryPacketSplitGivesTheSameOutput()
    {
        var ts = TestFiles.Read(High).AsSpan(0, 40 * TsPacket.Size).ToArray();
        var whole = Demux(ts);
        Assert.NotEmpty(whole.Frames);
        for (var split = 1; split < ts.Length; split++)
        {
            using var demuxer = new TsDemuxer();
            demuxer.Write(ts.AsSpan(0, split));
            demuxer.Write(ts.AsSpan(split));
            demuxer.Flush();
            Assert.Equal(whole.Order, Drain(demuxer).Order);
        }
    }

    [Fact]
    public void OneBytePerSegmentGivesTheSameOutput()
    {
        var ts = TestFiles.Read(High);
        using var demuxer = new TsDemuxer();
        demuxer.Write(Sequences.OneBytePerSegment(ts));
        demuxer.Flush();
        Assert.Equal(Demux(ts).Order, Drain(demuxer).Order);
    }

    [Fact]
    public void RoundTripThroughTheProjectsOwnMuxerKeepsPayloadsAndTiming()
    {
        var clip = Mp4SampleReader.Open(TestFiles.PathOf("clip-h264-aac.mp4"));
        var ts = Mux(clip.Video, clip.Audio, clip.Frames, shift90: 0);

        var output = Demux(ts);

        var video = Assert.Single(output.Videos);
        Assert.Equal((640, 360), (video.Width, video.Height));
        Assert.Equal(clip.Video.DecoderConfiguration[1..4], video.DecoderConfiguration[1..4]);
        // ADTS carries the core config only: the clip's backward-compatible SBR extension bytes do not survive.
        Assert.Equal(clip.Audio.AudioSpecificConfig[..2], Assert.Single(output.Audios).AudioSpecificConfig);
        AssertSameFrames(clip.Frames.Where(f => f.Kind == MediaKind.Video).ToList(), output.Video.ToList());
        AssertSameFrames(clip.Frames.Where(f => f.Kind == MediaKind.Audio).ToList(), output.Audio.ToList());
    }

    [Fact]
    public void TimestampsKeepRisingAcrossThe33BitWrap()
    {
        var clip = Mp4SampleReader.Open(TestFiles.PathOf("clip-h264-aac.mp4"));
        var shift = (1L << 33) - 2 * 90_000; // the wrap falls two seconds into the clip
        var output = Demux(Mux(clip.Video, clip.Audio, clip.Frames, shift));

        AssertSameFrames(clip.Frames.Where(f => f.Kind == MediaKind.Video).ToList(), output.Video.ToList());
        AssertSameFrames(clip.Frames.Where(f => f.Kind == MediaKind.Audio).ToList(), output.Audio.ToList());
    }

    [Fact]
    public void AContinuityGapDropsTheBrokenFrameAndVideoWaitsForTheNextKeyframe()
    {
        var ts = TestFiles.Read(High);
        var whole = Demux(ts);
        var packets = Packets(ts).ToList();

        // Remove the second packet of the tenth video PES.
        var videoStarts = packets.Select((p, i) => (p, i)).Where(x => Pid(x.p) == 0x100 && (x.p[1] & 0x40) != 0).Select(x => x.i).ToList();
        var victim = packets.FindIndex(videoStarts[9] + 1, p => Pid(p) == 0x100);
        packets.RemoveAt(victim);

        using var demuxer = new TsDemuxer();
        demuxer.Write(packets.SelectMany(p => p).ToArray());
        demuxer.Flush();
        var output = Drain(demuxer);

        Assert.Equal(1, demuxer.Discontinuities);
        var expected = whole.Video.Where((f, i) => i < 9 || i >= 30).Select(f => f.Timestamp).ToArray();
        Assert.Equal(expected, output.Video.Select(f => f.Timestamp).ToArray());
        Assert.Equal(whole.Audio.Count(), output.Audio.Count());
    }

    [Fact]
    public void AnEncoderRestartWithNewPidsTracksAndClockIsFollowed()
    {
        var first = Demux(TestFiles.Read(High));
        var second = Demux(TestFiles.Read(Baseline));

        var output = Demux([.. TestFiles.Read(High), .. TestFiles.Read(Baseline)]);

        Assert.Equal([640, 320], output.Videos.Select(v => v.Width).ToArray());
        Assert.Equal([48000, 44100], output.Audios.Select(a => a.SampleRate).ToArray());
        Assert.Equal(first.Video.Count() + second.Video.Count(), output.Video.Count());
        Assert.Equal(first.Audio.Count() + second.Audio.Count(), output.Audio.Count());
        Assert.Equal(second.Video.Last().Payload, output.Video.Last().Payload);
    }

    [Fact]
    public void GarbageBetweenPacketsIsSkippedByResynchronising()
    {
        var ts = TestFiles.Read(Baseline);
        var packets = Packets(ts).ToList();
        var noisy = new List<byte>();
        for (var i = 0; i < packets.Count; i++)
        {
            noisy.AddRange(packets[i]);
            if (i % 7 == 3)
            {
                noisy.AddRange([0x47, 0x00, 0x12, 0x47, 0xFF]); // stray sync bytes too
            }
        }

        using var demuxer = new TsDemuxer();
        demuxer.Write(noisy.ToArray());
        demuxer.Flush();
        Assert.Equal(Demux(ts).Order, Drain(demuxer).Order);
        Assert.True(demuxer.DroppedPackets > 0);
    }

    [Fact]
    public void APesOverTheLimitIsDroppedBeforeItIsBuffered()
    {
        var big = new byte[200_000];
        big[3] = 1;
        big[4] = 0x65; // one IDR NAL of 199,996 bytes, AVCC
        big[5] = 0x88;
        var huge = new MediaFrameData(MediaKind.Video, WithLength(big), 0, 0, true);
        var small = new MediaFrameData(MediaKind.Video, [0, 0, 0, 3, 0x65, 0x88, 0x84], 40, 0, true);
        var ts = Mux(Mp4SampleReader.Open(TestFiles.PathOf("clip-h264-aac.mp4")).Video, null, [huge, small], 0);
        var pool = new TrackingArrayPool();

        using (var demuxer = new TsDemuxer(new TsDemuxerLimits { MaxPesLength = 64 * 1024 }, pool))
        {
            demuxer.Write(ts);
            demuxer.Flush();
            var output = Drain(demuxer);
            Assert.Equal([1000], output.Video.Select(f => f.Timestamp).ToArray());
            Assert.Equal(1, demuxer.DroppedUnits);
        }

        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Errors);
    }

    [Fact]
    public void AnHevcProgramIsRefusedByName()
    {
        var tables = new ArrayBufferWriter<byte>();
        using (var muxer = new TsMuxer(Fmp4.Fmp4InitSegmentWriterTests.Video, Fmp4.Fmp4InitSegmentWriterTests.Audio, includeMetadataStream: false))
        {
            muxer.WriteProgramTables(tables);
        }

        var bytes = tables.WrittenSpan.ToArray();
        var section = bytes.AsSpan(188 + 5);
        var length = 3 + (((section[1] & 0x0F) << 8) | section[2]);
        section[12] = 0x24; // HEVC instead of H.264
        BinaryPrimitives.WriteUInt32BigEndian(section[(length - 4)..], Crc32Mpeg2.Compute(section[..(length - 4)]));

        using var demuxer = new TsDemuxer();
        var error = Assert.Throws<MediaFormatException>(() => demuxer.Write(bytes));
        Assert.Equal(MediaFormatError.Unsupported, error.Error);
        Assert.Contains("0x24", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryPooledBufferGoesBackAndUnreadFramesAreReleasedOnDispose()
    {
        var pool = new TrackingArrayPool();
        using (var demuxer = new TsDemuxer(pool: pool))
        {
            demuxer.Write(TestFiles.Read(High));
        }

        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Errors);
    }

    /// <summary>Muxes frames with <see cref="TsMuxer"/>: program tables every keyframe, one audio frame per PES.</summary>
    public static byte[] Mux(VideoTrackInfo? video, AudioTrackInfo? audio, IEnumerable<MediaFrameData> frames, long shift90)
    {
        using var muxer = new TsMuxer(video, audio, includeMetadataStream: false);
        var output = new ArrayBufferWriter<byte>();
        muxer.WriteProgramTables(output);
        foreach (var frame in frames)
        {
            var dts = (frame.Timestamp * 90 + shift90) & ((1L << 33) - 1);
            if (frame.Kind == MediaKind.Video)
            {
                if (frame.IsKeyframe)
                {
                    muxer.WriteProgramTables(output);
                }

                muxer.WriteVideo(output, frame.Payload, dts, (dts + frame.CompositionOffset * 90) & ((1L << 33) - 1), frame.IsKeyframe);
            }
            else
            {
                muxer.WriteAudio(output, [frame.Payload], dts);
            }
        }

        return output.WrittenSpan.ToArray();
    }

    private static void AssertSameFrames(List<MediaFrameData> expected, List<MediaFrameData> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        var offset = actual[0].Timestamp - expected[0].Timestamp;
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Payload, actual[i].Payload);
            Assert.Equal(expected[i].Timestamp + offset, actual[i].Timestamp);
            Assert.Equal(expected[i].CompositionOffset, actual[i].CompositionOffset);
            Assert.Equal(expected[i].IsKeyframe, actual[i].IsKeyframe);
        }
    }

    private static byte[] WithLength(byte[] avcc)
    {
        BinaryPrimitives.WriteInt32BigEndian(avcc, avcc.Length - 4);
        return avcc;
    }

    private static int ReadPpsLength(byte[] avcC)
    {
        var at = 8 + (avcC[6] << 8 | avcC[7]);
        return avcC[at + 1] << 8 | avcC[at + 2];
    }

    private static void AssertAvcc(byte[] payload)
    {
        var offset = 0;
        while (offset < payload.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(offset));
            Assert.InRange(length, 1, payload.Length - offset - 4);
            Assert.DoesNotContain(payload[offset + 4] & 0x1F, new[] { 7, 8, 9, 12 }); // parameter sets live in the avcC
            offset += 4 + length;
        }
    }

    private static IEnumerable<byte[]> Packets(byte[] ts) => ts.Chunk(TsPacket.Size);

    private static int Pid(byte[] packet) => (packet[1] & 0x1F) << 8 | packet[2];
}

using System.Diagnostics;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Rtmp.Handshake;
using OpenIvs.Media.Rtmp.Session;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Session;

/// <summary>
/// End to end against the real ffmpeg (its native RTMP client) on loopback TCP. These fail, never skip, without ffmpeg.
/// The cancellation guards only stop a hung run; nothing asserts on timing.
/// </summary>
[Collection(FfmpegCollection.Name)]
public class RtmpServerSessionFfmpegTests
{
    private const string Key = "sk_us-west-2_abcdABCDefgh_WVUJrovqZaiLOafeVsf3dZfYhe5Mma";

    private static async Task<(int ExitCode, string Errors)> RunFfmpegAsync(string arguments, CancellationToken cancellationToken)
    {
        using var process = Ffmpeg.Start("-hide_banner -nostdin " + arguments);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await output;
        return (process.ExitCode, await errors);
    }

    [Fact]
    public async Task FfmpegPublishesAndEverythingArrives()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var server = new LoopbackRtmpServer();
        var handler = new RecordingPublishHandler();
        var session = server.AcceptOneAsync(handler, guard.Token);
        var (exitCode, errors) = await RunFfmpegAsync(
            "-loglevel warning -re -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 " +
            "-c:v libx264 -profile:v high -preset veryfast -g 60 -sc_threshold 0 -b:v 1M -c:a aac -ar 48000 -ac 2 -b:a 96k -t 4 " +
            $"-f flv rtmp://127.0.0.1:{server.Port}/app/{Key}", guard.Token);
        var outcome = await session;

        Assert.True(exitCode == 0, $"ffmpeg exited with {exitCode}: {errors}");
        Assert.Null(outcome.Error);
        Assert.Contains(outcome.Reason, new RtmpSessionEndReason?[] { RtmpSessionEndReason.Unpublished, RtmpSessionEndReason.PeerClosed });
        Assert.Equal(RtmpHandshakeScheme.Digest0, outcome.Session.HandshakeScheme);

        var request = Assert.Single(handler.Publishes);
        Assert.Equal("app", request.App);
        Assert.Equal(Key, request.StreamName);
        Assert.Equal([RtmpSessionEndReason.Unpublished], handler.Unpublishes);

        var metadata = Assert.Single(handler.Metadata);
        Assert.StartsWith("Lavf", metadata.Encoder);
        Assert.Equal((1280.0, 720.0, 30.0), (metadata.Width, metadata.Height, metadata.FrameRate));

        var video = Assert.Single(handler.VideoConfigs);
        Assert.Equal(VideoCodec.Avc, video.Codec);
        Assert.Equal("avc1.64001F", video.CodecString);
        Assert.Equal("High", video.Profile);
        Assert.Equal("3.1", video.Level);
        Assert.Equal((1280, 720), (video.Width, video.Height));
        Assert.Equal(30.0, video.FrameRate);

        var audio = Assert.Single(handler.AudioConfigs);
        Assert.Equal(("mp4a.40.2", 2, 48000, 2), (audio.CodecString, audio.ObjectType, audio.SampleRate, audio.Channels));

        var frames = handler.Video.ToList();
        Assert.Equal(120, frames.Count); // 4 s at 30 fps
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.Timestamp >= p.First.Timestamp), "video decode timestamps go back");
        var keyframes = frames.Select((f, i) => (f, i)).Where(x => x.f.IsKeyframe).Select(x => x.i).ToList();
        Assert.Equal([0, 60], keyframes); // one every GOP of 60 frames
        Assert.InRange(frames[60].Timestamp - frames[0].Timestamp, 1990, 2010);
        Assert.Contains(frames, f => f.CompositionOffset > 0); // B-frames from x264 veryfast
        Assert.All(frames, f => AssertLengthPrefixed(f.Payload));

        var sound = handler.Audio.ToList();
        Assert.InRange(sound.Count, 180, 200); // 4 s of 1024-sample AAC frames at 48 kHz is 187.5
        Assert.True(sound.Zip(sound.Skip(1)).All(p => p.Second.Timestamp >= p.First.Timestamp), "audio timestamps go back");
    }

    [Fact]
    public async Task RejectedPublishMakesFfmpegFail()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var server = new LoopbackRtmpServer();
        var handler = new RecordingPublishHandler { Decide = _ => PublishDecision.Reject("unknown key") };
        var session = server.AcceptOneAsync(handler, guard.Token);
        var (exitCode, errors) = await RunFfmpegAsync(
            "-loglevel warning -f lavfi -i testsrc2=size=320x240:rate=30 -c:v libx264 -preset ultrafast -t 10 " +
            $"-f flv rtmp://127.0.0.1:{server.Port}/app/{Key}", guard.Token);
        var outcome = await session;

        Assert.True(exitCode != 0, "ffmpeg should fail when the publish is rejected");
        Assert.Null(outcome.Error);
        Assert.Equal(RtmpSessionEndReason.PublishRejected, outcome.Reason);
        Assert.Equal(Key, Assert.Single(handler.Publishes).StreamName);
        Assert.Empty(handler.Frames);
        Assert.Empty(handler.Unpublishes);

        // The process (and a new listener) are still fine: the next publish is accepted.
        var healthy = new RecordingPublishHandler();
        var next = server.AcceptOneAsync(healthy, guard.Token);
        var (exitCode2, errors2) = await RunFfmpegAsync(
            "-loglevel warning -f lavfi -i testsrc2=size=320x240:rate=30 -c:v libx264 -preset ultrafast -frames:v 10 " +
            $"-f flv rtmp://127.0.0.1:{server.Port}/app/{Key}", guard.Token);
        Assert.True(exitCode2 == 0, errors2);
        Assert.Null((await next).Error);
        Assert.Equal(10, healthy.Video.Count());
    }

    [Fact]
    public async Task FfmpegAsAPlayerValidatesTheDigestHandshakeAndIsRefused()
    {
        // ffmpeg validates the server's S1 digest and S2 signature only when it reads (plays); it then sends
        // connect/createStream/play, which this ingest server refuses.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var server = new LoopbackRtmpServer();
        var session = server.AcceptOneAsync(new RecordingPublishHandler(), guard.Token);
        var (exitCode, errors) = await RunFfmpegAsync($"-loglevel debug -i rtmp://127.0.0.1:{server.Port}/app/{Key} -f null -", guard.Token);
        var outcome = await session;

        Assert.NotEqual(0, exitCode);
        Assert.Null(outcome.Error);
        Assert.Equal(RtmpHandshakeScheme.Digest0, outcome.Session.HandshakeScheme);
        Assert.Equal(RtmpSessionEndReason.PlayRefused, outcome.Reason);
        Assert.DoesNotContain("validating failed", errors);
        Assert.DoesNotContain("Signature mismatch", errors);
        Assert.True(errors.Contains("This server only accepts publishing", StringComparison.Ordinal), errors[^Math.Min(errors.Length, 3000)..]);
    }

    private static void AssertLengthPrefixed(byte[] payload)
    {
        var position = 0;
        while (position < payload.Length)
        {
            var length = payload[position] << 24 | payload[position + 1] << 16 | payload[position + 2] << 8 | payload[position + 3];
            position += 4 + length;
        }

        Assert.Equal(payload.Length, position);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FfmpegCollection
{
    public const string Name = "ffmpeg";
}

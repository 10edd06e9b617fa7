using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Transcoding;

namespace OpenIvs.Server.Tests.Transcoding;

/// <summary>The ladders of ivs-behavior.md section 2.1, row by row: "name WxH@fps video/audio" per rung ("pass": source audio).</summary>
public class TranscodeLadderTests
{
    public static TheoryData<string, string, int, int, double, string> Ladders => new()
    {
        // STANDARD: the source on top up to 1080p; audio passes through above 360p.
        { "STANDARD", "", 1920, 1080, 60, "1080p60 1920x1080@60 source/pass | 720p60 1280x720@60 3400000/pass | 480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 1920, 1080, 30, "1080p30 1920x1080@30 source/pass | 720p30 1280x720@30 2400000/pass | 480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 1600, 900, 60, "900p60 1600x900@60 source/pass | 720p60 1280x720@60 3400000/pass | 480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 1600, 900, 30, "900p30 1600x900@30 source/pass | 720p30 1280x720@30 2400000/pass | 480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 1280, 720, 60, "720p60 1280x720@60 3400000/pass | 480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 1280, 720, 30, "720p30 1280x720@30 2400000/pass | 480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 1024, 576, 30, "480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 854, 480, 30, "480p30 852x480@30 1400000/pass | 360p30 640x360@30 630000/64000 | 160p30 284x160@30 230000/48000" },
        { "STANDARD", "", 640, 480, 25, "480p30 640x480@25 1400000/pass | 360p30 480x360@25 630000/64000 | 160p30 212x160@25 230000/48000" },
        // Lower rates keep every n-th frame: 50 fps gives 25, 59.94 gives 29.97.
        { "STANDARD", "", 1280, 720, 50, "720p60 1280x720@50 3400000/pass | 480p30 852x480@25 1400000/pass | 360p30 640x360@25 630000/64000 | 160p30 284x160@25 230000/48000" },
        { "ADVANCED_SD", "", 1280, 720, 59.94, "480p30 852x480@29.97 1300000/128000 | 360p30 640x360@29.97 700000/64000 | 160p30 284x160@29.97 270000/48000 | audio_only 0x0@0 0/64000" },
        // Below the table: the source, then the rungs below it.
        { "STANDARD", "", 640, 360, 30, "360p30 640x360@30 source/pass | 160p30 284x160@30 230000/48000" },
        // Portrait: the short edge is the class.
        { "STANDARD", "", 720, 1280, 30, "720p30 720x1280@30 2400000/pass | 480p30 480x852@30 1400000/pass | 360p30 360x640@30 630000/64000 | 160p30 160x284@30 230000/48000" },

        // ADVANCED_HD: top 720p, audio transcoded, audio-only 64 kbps.
        { "ADVANCED_HD", "HIGHER_BANDWIDTH_DELIVERY", 1920, 1080, 60, "720p60 1280x720@60 3000000/128000 | 480p30 852x480@30 1300000/128000 | 360p30 640x360@30 700000/64000 | 160p30 284x160@30 270000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_HD", "", 1920, 1080, 30, "720p30 1280x720@30 2300000/128000 | 480p30 852x480@30 1300000/128000 | 360p30 640x360@30 700000/64000 | 160p30 284x160@30 270000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_HD", "CONSTRAINED_BANDWIDTH_DELIVERY", 1280, 720, 60, "720p60 1280x720@60 2200000/128000 | 480p30 852x480@30 800000/128000 | 360p30 640x360@30 400000/64000 | 160p30 284x160@30 220000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_HD", "CONSTRAINED_BANDWIDTH_DELIVERY", 1280, 720, 30, "720p30 1280x720@30 1900000/128000 | 480p30 852x480@30 800000/128000 | 360p30 640x360@30 400000/64000 | 160p30 284x160@30 220000/48000 | audio_only 0x0@0 0/64000" },
        // Between 480p and 720p: the source's size transcoded on top.
        { "ADVANCED_HD", "HIGHER_BANDWIDTH_DELIVERY", 1024, 576, 60, "576p30 1024x576@30 2300000/128000 | 480p30 852x480@30 1300000/128000 | 360p30 640x360@30 700000/64000 | 160p30 284x160@30 270000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_HD", "CONSTRAINED_BANDWIDTH_DELIVERY", 1024, 576, 30, "576p30 1024x576@30 1900000/128000 | 480p30 852x480@30 800000/128000 | 360p30 640x360@30 400000/64000 | 160p30 284x160@30 220000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_HD", "", 854, 480, 30, "480p30 852x480@30 1300000/128000 | 360p30 640x360@30 700000/64000 | 160p30 284x160@30 270000/48000 | audio_only 0x0@0 0/64000" },

        // ADVANCED_SD: capped at 480p, never up-converted.
        { "ADVANCED_SD", "", 1920, 1080, 60, "480p30 852x480@30 1300000/128000 | 360p30 640x360@30 700000/64000 | 160p30 284x160@30 270000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_SD", "CONSTRAINED_BANDWIDTH_DELIVERY", 1280, 720, 30, "480p30 852x480@30 800000/128000 | 360p30 640x360@30 400000/64000 | 160p30 284x160@30 220000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_SD", "", 640, 360, 30, "360p30 640x360@30 700000/64000 | 160p30 284x160@30 270000/48000 | audio_only 0x0@0 0/64000" },
        { "ADVANCED_SD", "", 192, 108, 30, "108p30 192x108@30 270000/48000 | audio_only 0x0@0 0/64000" },

        // BASIC: transmux only.
        { "BASIC", "", 1920, 1080, 60, "1080p60 1920x1080@60 source/pass" },
        { "BASIC", "", 640, 360, 30, "360p30 640x360@30 source/pass" },
    };

    [Theory]
    [MemberData(nameof(Ladders))]
    public void LadderMatchesIvsTable(string type, string preset, int width, int height, double fps, string expected)
    {
        var ladder = TranscodeLadder.For(new ChannelType(type), preset.Length == 0 ? (TranscodePreset?)null : new TranscodePreset(preset), width, height, fps);
        Assert.Equal(expected, Describe(ladder));
    }

    [Fact]
    public void WithoutAudioThereIsNoAudioOnlyRendition()
    {
        var ladder = TranscodeLadder.For(ChannelType.AdvancedSd, null, 1280, 720, 30, hasAudio: false);
        Assert.DoesNotContain(ladder, r => r.Kind == RungKind.AudioOnly);
        Assert.Equal(3, ladder.Count);
    }

    [Fact]
    public void TheDefaultTypeIsStandardAndOnlyBasicIsNotTranscoded()
    {
        Assert.Equal(Describe(TranscodeLadder.For(ChannelType.Standard, null, 1280, 720, 30)), Describe(TranscodeLadder.For(null, null, 1280, 720, 30)));
        Assert.True(TranscodeLadder.Transcodes(null));
        Assert.True(TranscodeLadder.Transcodes(ChannelType.AdvancedSd));
        Assert.False(TranscodeLadder.Transcodes(ChannelType.Basic));
    }

    [Fact]
    public void NoRungIsLargerOrFasterThanTheInput()
    {
        foreach (var type in ChannelType.Values)
        {
            foreach (var (w, h, fps) in new[] { (1920, 1080, 60.0), (1280, 720, 29.97), (854, 480, 24.0), (426, 240, 15.0), (720, 1280, 30.0) })
            {
                foreach (var rung in TranscodeLadder.For(type, null, w, h, fps))
                {
                    Assert.True(rung.Width <= Math.Max(w, h) && rung.Height <= Math.Max(w, h) && rung.ShortEdge <= Math.Min(w, h), $"{type} {w}x{h}: {rung}");
                    Assert.True(rung.FrameRate <= fps, $"{type} {w}x{h}@{fps}: {rung}");
                    Assert.True(rung.Width % 2 == 0 && rung.Height % 2 == 0, $"{rung} has odd dimensions");
                }
            }
        }
    }

    private static string Describe(IReadOnlyList<LadderRung> ladder) => string.Join(" | ", ladder.Select(r =>
        $"{r.Name} {r.Width}x{r.Height}@{r.FrameRate:0.##} {(r.Kind == RungKind.Source ? "source" : r.VideoBitrate.ToString())}/{r.AudioBitrate?.ToString() ?? "pass"}"));
}

using System.Globalization;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Transcoding;

/// <summary>
/// The adaptive-bitrate ladders of IVS's channel types and presets (ivs-behavior.md section 2.1,
/// docs/transcoding.md): which renditions a channel serves for a given input picture. A pure function.
/// </summary>
/// <remarks>
/// Sizes: a rung of nominal height H keeps the input's aspect ratio, its long edge rounded down to a multiple
/// of 4 (16:9 gives IVS's 852x480, 640x360 and 284x160); portrait inputs get H as their width. The input's class
/// is its short edge. A rung never has more pixels or frames per second than the input (no up-conversion).
/// </remarks>
public static class TranscodeLadder
{
    public const string AudioOnlyName = "audio_only";

    /// <summary>Above this many frames per second an input is in the 60 fps class.</summary>
    private const double ThirtyFpsClassLimit = 31;

    /// <summary>The renditions of a channel for an input picture, highest first.</summary>
    /// <param name="type">The channel type (null: STANDARD, the default).</param>
    /// <param name="preset">ADVANCED channels' preset (null: HIGHER_BANDWIDTH_DELIVERY).</param>
    /// <param name="width">Input width in pixels.</param>
    /// <param name="height">Input height in pixels.</param>
    /// <param name="frameRate">Input frames per second.</param>
    /// <param name="hasAudio">Whether the input carries audio (the audio-only rendition needs it).</param>
    public static IReadOnlyList<LadderRung> For(ChannelType? type, TranscodePreset? preset, int width, int height, double frameRate, bool hasAudio = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameRate);
        var input = new Input(width, height, frameRate);
        var value = (type ?? ChannelType.Standard).Value;
        var constrained = preset?.Value == TranscodePreset.ConstrainedBandwidthDelivery.Value;
        var rungs = value switch
        {
            "BASIC" => [input.Source()],
            "ADVANCED_HD" => Advanced(input, constrained, hd: true),
            "ADVANCED_SD" => Advanced(input, constrained, hd: false),
            _ => Standard(input),
        };
        if (!hasAudio)
        {
            rungs.RemoveAll(r => r.Kind == RungKind.AudioOnly);
        }

        return rungs;
    }

    /// <summary>Whether a channel type is transcoded at all (BASIC is transmux only).</summary>
    public static bool Transcodes(ChannelType? type) => (type ?? ChannelType.Standard).Value != "BASIC";

    private static List<LadderRung> Standard(Input input)
    {
        // Top: the source up to 1080p; a 720p input is re-encoded at 720p instead (no source rendition), a
        // 480p-720p input starts at 480p30. Audio passes through except on the rungs of 360p and below.
        var edge = input.ShortEdge;
        var rungs = new List<LadderRung>();
        if (edge > 720)
        {
            rungs.Add(input.Source());
        }

        if (edge >= 720)
        {
            rungs.Add(input.Fps60 ? input.Rung(720, 60, 3_400_000, null) : input.Rung(720, 30, 2_400_000, null));
        }

        if (edge >= 480)
        {
            rungs.Add(input.Rung(480, 30, 1_400_000, null));
        }
        else
        {
            // Below IVS's table (under 480p): the source on top, so nothing is lost by re-encoding at its own size.
            rungs.Add(input.Source());
        }

        AddBelow(rungs, input, 360, 630_000, 64_000);
        AddBelow(rungs, input, 160, 230_000, 48_000);
        return rungs;
    }

    private static List<LadderRung> Advanced(Input input, bool constrained, bool hd)
    {
        // Everything is transcoded, audio too, and an audio-only rendition comes last. ADVANCED_HD tops at 720p
        // (an input between 480p and 720p at its own size), ADVANCED_SD at 480p.
        var edge = input.ShortEdge;
        var rungs = new List<LadderRung>();
        if (hd && edge >= 720)
        {
            rungs.Add(input.Fps60
                ? input.Rung(720, 60, constrained ? 2_200_000 : 3_000_000, 128_000)
                : input.Rung(720, 30, constrained ? 1_900_000 : 2_300_000, 128_000));
        }
        else if (hd && edge > 480)
        {
            rungs.Add(input.Rung(edge, 30, constrained ? 1_900_000 : 2_300_000, 128_000));
        }

        AddBelow(rungs, input, 480, constrained ? 800_000 : 1_300_000, 128_000);
        AddBelow(rungs, input, 360, constrained ? 400_000 : 700_000, 64_000);
        AddBelow(rungs, input, 160, constrained ? 220_000 : 270_000, 48_000);
        if (rungs.Count == 0)
        {
            // An input smaller than every rung: its own size at the lowest rung's rates.
            rungs.Add(input.Rung(edge, 30, constrained ? 220_000 : 270_000, 48_000));
        }

        rungs.Add(new LadderRung(AudioOnlyName, 0, 0, 0, 0, 64_000, RungKind.AudioOnly));
        return rungs;
    }

    private static void AddBelow(List<LadderRung> rungs, Input input, int height, int videoBitrate, int audioBitrate)
    {
        if (input.ShortEdge >= height && !rungs.Any(r => r.Kind != RungKind.AudioOnly && r.ShortEdge <= height))
        {
            rungs.Add(input.Rung(height, 30, videoBitrate, audioBitrate));
        }
    }

    private readonly record struct Input(int Width, int Height, double FrameRate)
    {
        public int ShortEdge => Math.Min(Width, Height);

        public bool Fps60 => FrameRate > ThirtyFpsClassLimit;

        public LadderRung Source() => new(Name(ShortEdge, Fps60 ? 60 : 30), Width, Height, FrameRate, 0, null, RungKind.Source);

        public LadderRung Rung(int shortEdge, int fps, int videoBitrate, int? audioBitrate)
        {
            var longEdge = Math.Max(Width, Height);
            var scaledLong = (int)((long)longEdge * shortEdge / ShortEdge) / 4 * 4;
            var even = shortEdge / 2 * 2;
            var (width, height) = Width >= Height ? (scaledLong, even) : (even, scaledLong);
            // A lower rate keeps every n-th source frame (n whole), so 60 fps gives 30 and 50 fps gives 25.
            var rate = FrameRate <= fps + 0.5 ? FrameRate : Math.Round(FrameRate / Math.Round(FrameRate / fps + 0.49), 3);
            return new LadderRung(Name(shortEdge, fps), width, height, rate, videoBitrate, audioBitrate, RungKind.Transcoded);
        }

        private static string Name(int shortEdge, int fps) => string.Create(CultureInfo.InvariantCulture, $"{shortEdge}p{fps}");
    }
}

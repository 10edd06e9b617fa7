using OpenIvs.Media.Amf;

namespace OpenIvs.Media.Rtmp.Session;

/// <summary>
/// The <c>onMetaData</c> a publisher sent (via <c>@setDataFrame</c> or directly). The typed properties are read from
/// the usual FLV metadata names; <see cref="Properties"/> has everything.
/// </summary>
public sealed class RtmpStreamMetadata
{
    public RtmpStreamMetadata(IReadOnlyList<KeyValuePair<string, AmfValue>> properties)
    {
        Properties = properties;
        var source = AmfValue.ObjectFrom(properties);
        Encoder = source.GetString("encoder");
        Width = source.GetNumber("width");
        Height = source.GetNumber("height");
        FrameRate = source.GetNumber("framerate") ?? source.GetNumber("fps");
        VideoDataRateKbps = source.GetNumber("videodatarate");
        AudioDataRateKbps = source.GetNumber("audiodatarate");
        AudioSampleRate = source.GetNumber("audiosamplerate");
        AudioChannels = source.GetNumber("audiochannels") ?? (source["stereo"]?.AsBoolean is { } stereo ? (stereo ? 2 : 1) : null);
        VideoCodecId = CodecId(source["videocodecid"]);
        AudioCodecId = CodecId(source["audiocodecid"]);
    }

    /// <summary>The encoder name, e.g. <c>Lavf59.27.100</c> or <c>obs-output module (libobs version 30.0.0)</c>.</summary>
    public string? Encoder { get; }

    public double? Width { get; }

    public double? Height { get; }

    public double? FrameRate { get; }

    /// <summary>Target video bitrate in kbit/s as the encoder announced it.</summary>
    public double? VideoDataRateKbps { get; }

    /// <summary>Target audio bitrate in kbit/s as the encoder announced it.</summary>
    public double? AudioDataRateKbps { get; }

    public double? AudioSampleRate { get; }

    public double? AudioChannels { get; }

    /// <summary>The video codec id as announced: a legacy number (<c>7</c>) or an Enhanced RTMP FourCC (<c>hvc1</c>).</summary>
    public string? VideoCodecId { get; }

    public string? AudioCodecId { get; }

    public IReadOnlyList<KeyValuePair<string, AmfValue>> Properties { get; }

    private static string? CodecId(AmfValue? value) =>
        value?.AsString ?? value?.AsNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

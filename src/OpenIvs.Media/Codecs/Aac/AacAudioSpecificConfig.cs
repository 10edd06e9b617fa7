using System.Globalization;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Codecs.Aac;

/// <summary>
/// An MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3), as an FLV/RTMP AAC sequence header carries.
/// </summary>
/// <param name="ObjectType">The signalled audio object type (2 AAC-LC, 5 SBR/HE-AAC, 29 PS/HE-AACv2, escapes above 31).</param>
/// <param name="CoreObjectType">The underlying object type (differs from <paramref name="ObjectType"/> for explicit SBR/PS).</param>
/// <param name="SampleRate">Output sample rate (the SBR extension rate when SBR is signalled explicitly).</param>
/// <param name="CoreSampleRate">The core coder's sample rate.</param>
/// <param name="ChannelConfiguration">channelConfiguration (0 = defined by a program config element).</param>
/// <param name="Channels">Output channel count (0 when the channel configuration is 0; 2 when PS is present).</param>
/// <param name="SbrPresent">SBR signalled (explicitly, or by the backward-compatible sync extension).</param>
/// <param name="PsPresent">Parametric stereo signalled.</param>
public sealed record AacAudioSpecificConfig(
    int ObjectType,
    int CoreObjectType,
    int SampleRate,
    int CoreSampleRate,
    int ChannelConfiguration,
    int Channels,
    bool SbrPresent,
    bool PsPresent)
{
    private static readonly int[] s_sampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    /// <summary>RFC 6381 codec string <c>mp4a.40.&lt;object type&gt;</c>.</summary>
    public string CodecString => string.Create(CultureInfo.InvariantCulture, $"mp4a.40.{ObjectType}");

    public static AacAudioSpecificConfig Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            MediaThrow.Truncated("AudioSpecificConfig");
        }

        var bits = new BitReader(data);
        var objectType = ReadObjectType(ref bits);
        if (objectType == 0)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "AudioSpecificConfig object type 0 is null.");
        }

        var coreRate = ReadSampleRate(ref bits);
        var channelConfiguration = (int)bits.ReadBits(4);
        var coreObjectType = objectType;
        var outputRate = coreRate;
        var sbr = false;
        var ps = false;
        if (objectType is 5 or 29)
        {
            sbr = true;
            ps = objectType == 29;
            outputRate = ReadSampleRate(ref bits);
            coreObjectType = ReadObjectType(ref bits);
            if (coreObjectType == 22)
            {
                bits.ReadBits(4); // extensionChannelConfiguration (ER BSAC)
            }
        }

        if (coreObjectType is 1 or 2 or 3 or 4 or 6 or 7 && !sbr)
        {
            // GASpecificConfig, then look for the backward-compatible (implicit) SBR/PS sync extension.
            bits.SkipBits(1); // frameLengthFlag
            if (bits.ReadBit())
            {
                bits.SkipBits(14); // coreCoderDelay
            }

            bits.SkipBits(1); // extensionFlag
            if (channelConfiguration != 0 && bits.BitsRemaining >= 16 && bits.ReadBits(11) == 0x2B7)
            {
                var extensionType = ReadObjectType(ref bits);
                if (extensionType == 5 && bits.BitsRemaining >= 1 && bits.ReadBit())
                {
                    sbr = true;
                    outputRate = ReadSampleRate(ref bits);
                    if (bits.BitsRemaining >= 12 && bits.ReadBits(11) == 0x548)
                    {
                        ps = bits.ReadBit();
                    }
                }
            }
        }

        var channels = channelConfiguration switch
        {
            >= 1 and <= 6 => channelConfiguration,
            7 => 8,
            11 => 7,
            12 or 14 => 8,
            13 => 24,
            _ => 0,
        };
        if (ps && channels == 1)
        {
            channels = 2;
        }

        return new AacAudioSpecificConfig(objectType, coreObjectType, outputRate, coreRate, channelConfiguration, channels, sbr, ps);
    }

    /// <summary>Describes the track; <paramref name="audioSpecificConfig"/> is kept as the raw config.</summary>
    public AudioTrackInfo ToTrackInfo(byte[] audioSpecificConfig) =>
        new(CodecString, ObjectType, SampleRate, Channels, audioSpecificConfig);

    private static int ReadObjectType(ref BitReader bits)
    {
        var type = (int)bits.ReadBits(5);
        return type == 31 ? 32 + (int)bits.ReadBits(6) : type;
    }

    private static int ReadSampleRate(ref BitReader bits)
    {
        var index = (int)bits.ReadBits(4);
        if (index == 15)
        {
            var rate = (int)bits.ReadBits(24);
            if (rate == 0)
            {
                MediaThrow.Format(MediaFormatError.InvalidValue, "AudioSpecificConfig explicit sample rate is 0.");
            }

            return rate;
        }

        if (index >= s_sampleRates.Length)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"AudioSpecificConfig sampling frequency index {index} is reserved.");
        }

        return s_sampleRates[index];
    }
}

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// A 7-byte ADTS header without CRC (ISO/IEC 13818-7 §6.2 / ISO/IEC 14496-3 §1.A.2.2) derived from an
/// AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1).
/// </summary>
/// <remarks>
/// ADTS can only signal object types 1-4 (profile = object type - 1). For HE-AAC / HE-AACv2 configs with
/// explicit SBR/PS signalling (object type 5 or 29) the header describes the underlying core codec and core
/// sample rate, which is how ADTS carries HE-AAC (implicit signalling).
/// </remarks>
public readonly record struct AdtsHeader(int Profile, int SamplingFrequencyIndex, int ChannelConfiguration, int SamplesPerFrame)
{
    public const int Size = 7;

    /// <summary>Largest frame_length (13 bits), header included.</summary>
    public const int MaxFrameLength = 0x1FFF;

    private static ReadOnlySpan<int> SamplingFrequencies =>
        [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    /// <summary>Parses the fields ADTS needs from an AudioSpecificConfig.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> audioSpecificConfig, out AdtsHeader header)
    {
        header = default;
        var reader = new BitReader(audioSpecificConfig);
        if (!reader.TryReadObjectType(out var objectType)
            || !reader.TryReadFrequencyIndex(out var frequencyIndex)
            || !reader.TryRead(4, out var channels))
        {
            return false;
        }

        if (objectType is 5 or 29)
        {
            // SBR/PS: extensionSamplingFrequencyIndex, then the underlying audioObjectType (§1.6.2.1).
            if (!reader.TryReadFrequencyIndex(out _) || !reader.TryReadObjectType(out objectType))
            {
                return false;
            }
        }

        if (objectType is < 1 or > 4)
        {
            objectType = 2; // not expressible in ADTS; announce AAC-LC (the core of nearly every live stream)
        }

        // GASpecificConfig starts with frameLengthFlag: 1 means 960-sample frames (§4.4.1).
        var samples = reader.TryRead(1, out var frameLengthFlag) && frameLengthFlag == 1 ? 960 : 1024;
        header = new AdtsHeader(objectType - 1, frequencyIndex, channels, samples);
        return true;
    }

    /// <summary>
    /// Reads an ADTS header at the start of <paramref name="data"/> (the demuxing direction): false when there is no
    /// syncword, the header is cut short, or a field holds a reserved value. <paramref name="headerLength"/> is 7, or 9
    /// with a CRC; <paramref name="frameLength"/> counts the header.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out AdtsHeader header, out int headerLength, out int frameLength)
    {
        header = default;
        headerLength = 0;
        frameLength = 0;
        if (data.Length < Size || data[0] != 0xFF || (data[1] & 0xF6) != 0xF0)
        {
            return false; // syncword 0xFFF, layer 00
        }

        headerLength = (data[1] & 0x01) == 0 ? Size + 2 : Size;
        var profile = data[2] >> 6;
        var frequencyIndex = (data[2] >> 2) & 0x0F;
        var channels = ((data[2] & 0x01) << 2) | (data[3] >> 6);
        frameLength = ((data[3] & 0x03) << 11) | (data[4] << 3) | (data[5] >> 5);
        var rawBlocks = data[6] & 0x03;
        if (frequencyIndex >= SamplingFrequencies.Length || profile == 3 || frameLength <= headerLength || rawBlocks != 0)
        {
            return false; // one raw data block per frame is what every live encoder writes
        }

        header = new AdtsHeader(profile, frequencyIndex, channels, 1024);
        return true;
    }

    /// <summary>Samples per second of <see cref="SamplingFrequencyIndex"/>.</summary>
    public int SampleRate => SamplingFrequencies[SamplingFrequencyIndex];

    /// <summary>The two-byte AudioSpecificConfig this header stands for (object type = profile + 1, §1.6.2.1).</summary>
    public void WriteAudioSpecificConfig(Span<byte> destination)
    {
        var objectType = Profile + 1;
        destination[0] = (byte)((objectType << 3) | (SamplingFrequencyIndex >> 1));
        destination[1] = (byte)(((SamplingFrequencyIndex & 1) << 7) | (ChannelConfiguration << 3));
    }

    /// <summary>Writes the header for a raw frame of <paramref name="payloadLength"/> bytes.</summary>
    public void Write(Span<byte> destination, int payloadLength)
    {
        var frameLength = Size + payloadLength;
        if (frameLength > MaxFrameLength)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength, "AAC frame too large for ADTS.");
        }

        destination[0] = 0xFF; // syncword 0xFFF
        destination[1] = 0xF1; // syncword, ID 0 (MPEG-4), layer 00, protection_absent 1
        destination[2] = (byte)((Profile << 6) | (SamplingFrequencyIndex << 2) | ((ChannelConfiguration >> 2) & 0x1));
        destination[3] = (byte)(((ChannelConfiguration & 0x3) << 6) | (frameLength >> 11));
        destination[4] = (byte)(frameLength >> 3);
        destination[5] = (byte)(((frameLength & 0x7) << 5) | 0x1F); // + buffer fullness 0x7FF (VBR)
        destination[6] = 0xFC; // buffer fullness, number_of_raw_data_blocks_in_frame 0
    }

    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _bit;

        public bool TryRead(int count, out int value)
        {
            value = 0;
            if (_bit + count > _data.Length * 8)
            {
                return false;
            }

            for (var i = 0; i < count; i++, _bit++)
            {
                value = (value << 1) | ((_data[_bit >> 3] >> (7 - (_bit & 7))) & 1);
            }

            return true;
        }

        public bool TryReadObjectType(out int objectType)
        {
            if (!TryRead(5, out objectType))
            {
                return false;
            }

            if (objectType == 31)
            {
                if (!TryRead(6, out var extended))
                {
                    return false;
                }

                objectType = 32 + extended;
            }

            return true;
        }

        public bool TryReadFrequencyIndex(out int index)
        {
            if (!TryRead(4, out index))
            {
                return false;
            }

            if (index == 15)
            {
                // Explicit 24-bit rate: ADTS needs an index, so take the nearest standard one.
                if (!TryRead(24, out var rate))
                {
                    return false;
                }

                index = NearestIndex(rate);
            }

            return index < SamplingFrequencies.Length;
        }

        private static int NearestIndex(int rate)
        {
            var best = 0;
            for (var i = 1; i < SamplingFrequencies.Length; i++)
            {
                if (Math.Abs(SamplingFrequencies[i] - rate) < Math.Abs(SamplingFrequencies[best] - rate))
                {
                    best = i;
                }
            }

            return best;
        }
    }
}

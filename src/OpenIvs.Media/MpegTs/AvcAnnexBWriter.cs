using System.Buffers.Binary;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// Converts an AVCC access unit (NAL units with big-endian length prefixes, ISO/IEC 14496-15 §5.3.2) to the
/// Annex B byte stream TS carries (ITU-T H.264 Annex B: each NAL unit after a 0x00000001 start code).
/// </summary>
/// <remarks>
/// Every access unit starts with an access unit delimiter (H.264 §7.4.1.2.3; Apple's HLS authoring spec
/// requires one) and random access points get the SPS and PPS from the avcC record in front of their slices,
/// so each segment and each independent part can be decoded on its own (HLS requires the parameter sets in
/// every segment that starts with an IDR). AUDs already in the input are dropped, and parameter sets are not
/// inserted twice when the encoder already repeats them in-band.
/// </remarks>
public sealed class AvcAnnexBWriter
{
    private static ReadOnlySpan<byte> StartCode => [0, 0, 0, 1];

    /// <summary>AUD with primary_pic_type 7 (any slice type) and trailing bits.</summary>
    private static ReadOnlySpan<byte> AccessUnitDelimiter => [0, 0, 0, 1, 0x09, 0xF0];

    private readonly byte[] _parameterSets;
    private readonly int _lengthSize;

    /// <summary>Reads NAL length size, SPS and PPS from an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1).</summary>
    public AvcAnnexBWriter(ReadOnlySpan<byte> decoderConfiguration)
    {
        if (decoderConfiguration.Length < 7 || decoderConfiguration[0] != 1)
        {
            throw new ArgumentException("Not an AVCDecoderConfigurationRecord (version 1).", nameof(decoderConfiguration));
        }

        _lengthSize = (decoderConfiguration[4] & 0x03) + 1;
        if (_lengthSize == 3)
        {
            throw new ArgumentException("lengthSizeMinusOne 2 is not allowed.", nameof(decoderConfiguration));
        }

        var offset = 5;
        var total = 0;
        Span<Range> sets = stackalloc Range[64];
        var count = 0;
        for (var table = 0; table < 2; table++)
        {
            if (offset >= decoderConfiguration.Length)
            {
                throw new ArgumentException("Truncated avcC.", nameof(decoderConfiguration));
            }

            var entries = table == 0 ? decoderConfiguration[offset] & 0x1F : decoderConfiguration[offset];
            offset++;
            for (var i = 0; i < entries; i++)
            {
                if (offset + 2 > decoderConfiguration.Length)
                {
                    throw new ArgumentException("Truncated avcC.", nameof(decoderConfiguration));
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(decoderConfiguration[offset..]);
                offset += 2;
                if (offset + length > decoderConfiguration.Length || count == sets.Length)
                {
                    throw new ArgumentException("Truncated avcC.", nameof(decoderConfiguration));
                }

                sets[count++] = new Range(offset, offset + length);
                total += StartCode.Length + length;
                offset += length;
            }
        }

        _parameterSets = new byte[total];
        var position = 0;
        foreach (var range in sets[..count])
        {
            StartCode.CopyTo(_parameterSets.AsSpan(position));
            position += StartCode.Length;
            decoderConfiguration[range].CopyTo(_parameterSets.AsSpan(position));
            position += decoderConfiguration[range].Length;
        }
    }

    /// <summary>SPS and PPS in Annex B form.</summary>
    public ReadOnlySpan<byte> ParameterSets => _parameterSets;

    /// <summary>Bytes <see cref="Write"/> produces for this access unit.</summary>
    public int GetSize(ReadOnlySpan<byte> accessUnit, bool isKeyframe)
    {
        var size = AccessUnitDelimiter.Length;
        var hasIdr = false;
        var hasSps = false;
        foreach (var (start, length, type) in new NalEnumerator(accessUnit, _lengthSize))
        {
            _ = start;
            if (type == 9)
            {
                continue;
            }

            hasIdr |= type == 5;
            hasSps |= type == 7;
            size += StartCode.Length + length;
        }

        return (isKeyframe || hasIdr) && !hasSps ? size + _parameterSets.Length : size;
    }

    /// <summary>Writes the Annex B access unit; returns the bytes written.</summary>
    public int Write(ReadOnlySpan<byte> accessUnit, bool isKeyframe, Span<byte> destination)
    {
        var hasIdr = isKeyframe;
        var hasSps = false;
        foreach (var (_, _, type) in new NalEnumerator(accessUnit, _lengthSize))
        {
            hasIdr |= type == 5;
            hasSps |= type == 7;
        }

        AccessUnitDelimiter.CopyTo(destination);
        var position = AccessUnitDelimiter.Length;
        if (hasIdr && !hasSps)
        {
            _parameterSets.CopyTo(destination[position..]);
            position += _parameterSets.Length;
        }

        foreach (var (start, length, type) in new NalEnumerator(accessUnit, _lengthSize))
        {
            if (type == 9)
            {
                continue;
            }

            StartCode.CopyTo(destination[position..]);
            position += StartCode.Length;
            accessUnit.Slice(start, length).CopyTo(destination[position..]);
            position += length;
        }

        return position;
    }

    /// <summary>Walks length-prefixed NAL units; stops at the first truncated one.</summary>
    private ref struct NalEnumerator(ReadOnlySpan<byte> data, int lengthSize)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _offset;

        public (int Start, int Length, int Type) Current { get; private set; }

        public readonly NalEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_offset + lengthSize <= _data.Length)
            {
                var length = lengthSize switch
                {
                    1 => _data[_offset],
                    2 => BinaryPrimitives.ReadUInt16BigEndian(_data[_offset..]),
                    _ => (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(_data[_offset..]), int.MaxValue),
                };
                var start = _offset + lengthSize;
                if (length > _data.Length - start)
                {
                    _offset = _data.Length;
                    return false;
                }

                _offset = start + length;
                if (length == 0)
                {
                    continue;
                }

                Current = (start, length, _data[start] & 0x1F);
                return true;
            }

            return false;
        }
    }
}

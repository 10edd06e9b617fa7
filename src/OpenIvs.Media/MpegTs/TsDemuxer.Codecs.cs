using System.Buffers.Binary;
using OpenIvs.Media.Codecs.Aac;
using OpenIvs.Media.Codecs.Avc;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.MpegTs;

public sealed partial class TsDemuxer
{
    private const int NalIdr = 5;
    private const int NalSps = 7;
    private const int NalPps = 8;
    private const int NalAccessUnitDelimiter = 9;
    private const int NalFiller = 12;

    private static ReadOnlySpan<byte> StartCode => [0, 0, 1];

    private byte[] _sps = [];
    private byte[] _pps = [];
    private bool _videoNeedsKeyframe = true;
    private bool _haveAdts;
    private AdtsHeader _adts;
    private byte[] _scratch = [];

    /// <summary>
    /// One H.264 access unit in Annex B (H.264 Annex B). Parameter sets become the track configuration (a new
    /// avcC whenever they change), AUDs and filler are dropped, and the other NAL units are written AVCC with
    /// 4-byte lengths, as RTMP delivers them.
    /// </summary>
    private void ReadVideo(ReadOnlySpan<byte> annexB, long dts90, long pts90)
    {
        var scratch = RentScratch(annexB.Length + annexB.Length / 3 + 8);
        var written = 0;
        var keyframe = false;
        var sps = ReadOnlySpan<byte>.Empty;
        var pps = ReadOnlySpan<byte>.Empty;
        var rest = annexB;
        var first = rest.IndexOf(StartCode);
        rest = first < 0 ? default : rest[(first + 3)..];
        while (!rest.IsEmpty)
        {
            var next = rest.IndexOf(StartCode);
            var nal = next < 0 ? rest : rest[..next];
            rest = next < 0 ? default : rest[(next + 3)..];
            nal = nal.TrimEnd((byte)0); // trailing_zero_8bits, and the leading zero of a 4-byte start code
            if (nal.IsEmpty || (nal[0] & 0x80) != 0)
            {
                continue; // forbidden_zero_bit set: not a NAL unit
            }

            switch (nal[0] & 0x1F)
            {
                case NalSps:
                    sps = sps.IsEmpty ? nal : sps;
                    continue;
                case NalPps:
                    pps = pps.IsEmpty ? nal : pps;
                    continue;
                case NalAccessUnitDelimiter or NalFiller:
                    continue;
                case NalIdr:
                    keyframe = true;
                    break;
            }

            BinaryPrimitives.WriteInt32BigEndian(scratch.AsSpan(written), nal.Length);
            nal.CopyTo(scratch.AsSpan(written + 4));
            written += 4 + nal.Length;
        }

        if (!sps.IsEmpty || !pps.IsEmpty)
        {
            UpdateVideoConfig(sps, pps);
        }

        if (written == 0 || VideoTrack is null || (_videoNeedsKeyframe && !keyframe))
        {
            DroppedUnits++;
            return;
        }

        _videoNeedsKeyframe = false;
        Emit(MediaKind.Video, scratch.AsSpan(0, written), dts90, pts90, keyframe);
    }

    /// <summary>Builds an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) from changed parameter sets.</summary>
    private void UpdateVideoConfig(ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps)
    {
        sps = sps.IsEmpty ? _sps : sps;
        pps = pps.IsEmpty ? _pps : pps;
        if (sps.Length < 4 || pps.IsEmpty || sps.Length > ushort.MaxValue || pps.Length > ushort.MaxValue
            || (sps.SequenceEqual(_sps) && pps.SequenceEqual(_pps)))
        {
            return;
        }

        var parsed = AvcSequenceParameterSet.Parse(sps);
        var extended = parsed.ProfileIdc is 100 or 110 or 122 or 144;
        var record = new byte[11 + sps.Length + pps.Length + (extended ? 4 : 0)];
        record[0] = 1; // configurationVersion
        sps[1..4].CopyTo(record.AsSpan(1)); // profile, compatibility, level
        record[4] = 0xFF; // lengthSizeMinusOne 3
        record[5] = 0xE1; // one SPS
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(6), (ushort)sps.Length);
        sps.CopyTo(record.AsSpan(8));
        var offset = 8 + sps.Length;
        record[offset] = 1; // one PPS
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(offset + 1), (ushort)pps.Length);
        pps.CopyTo(record.AsSpan(offset + 3));
        offset += 3 + pps.Length;
        if (extended)
        {
            record[offset] = (byte)(0xFC | parsed.ChromaFormatIdc);
            record[offset + 1] = (byte)(0xF8 | (parsed.BitDepthLuma - 8));
            record[offset + 2] = (byte)(0xF8 | (parsed.BitDepthChroma - 8));
            record[offset + 3] = 0; // no SPS extensions
        }

        var track = AvcDecoderConfigurationRecord.Parse(record).ToTrackInfo();
        _sps = sps.ToArray();
        _pps = pps.ToArray();
        VideoTrack = track;
        _output.Enqueue(new TsDemuxedItem(track, null, null));
    }

    /// <summary>One or more ADTS frames (ISO/IEC 14496-3 §1.A.2.2): each becomes a raw AAC frame, stamped from the PES PTS.</summary>
    private void ReadAudio(ReadOnlySpan<byte> adts, long pts90)
    {
        var index = 0;
        while (!adts.IsEmpty)
        {
            if (!AdtsHeader.TryRead(adts, out var header, out var headerLength, out var frameLength) || frameLength > adts.Length)
            {
                DroppedUnits++;
                return;
            }

            if (!_haveAdts || header != _adts)
            {
                var bytes = new byte[2]; // only when the configuration changes
                header.WriteAudioSpecificConfig(bytes);
                var track = AacAudioSpecificConfig.Parse(bytes).ToTrackInfo(bytes);
                _adts = header;
                _haveAdts = true;
                AudioTrack = track;
                _output.Enqueue(new TsDemuxedItem(null, track, null));
            }

            var timestamp = pts90 + index * 1024L * 90_000 / header.SampleRate;
            Emit(MediaKind.Audio, adts[headerLength..frameLength], timestamp, timestamp, keyframe: true);
            adts = adts[frameLength..];
            index++;
        }
    }

    private byte[] RentScratch(int size)
    {
        if (_scratch.Length < size)
        {
            ReturnScratch();
            _scratch = _pool.Rent(Math.Max(size, 64 * 1024));
        }

        return _scratch;
    }

    private void ReturnScratch()
    {
        if (_scratch.Length > 0)
        {
            _pool.Return(_scratch);
            _scratch = [];
        }
    }
}

using System.Buffers;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// An MPEG-2 transport stream muxer for HLS: one program with H.264 video, ADTS AAC audio and an optional
/// timed-ID3 metadata stream and an optional SCTE-35 stream, written as 188-byte packets into an <see cref="IBufferWriter{T}"/>.
/// </summary>
/// <remarks>
/// <para>State kept across calls: continuity counters per PID (§2.4.3.3), so consecutive segments and parts
/// written by one muxer form one continuous stream, and a pooled scratch buffer where each PES packet is
/// assembled before it is cut into transport packets. No allocations per packet or per frame.</para>
/// <para>Time stamps are 90 kHz and wrap at 33 bits. The PCR rides on the video PID (audio when there is no
/// video) in the first packet of every video PES, i.e. once per frame, well inside the 100 ms maximum
/// interval (§2.7.2); its value is the frame's DTS.</para>
/// <para>Not thread-safe: one writer at a time.</para>
/// </remarks>
public sealed class TsMuxer : IDisposable
{
    private readonly ArrayPool<byte> _pool;
    private readonly AvcAnnexBWriter? _video;
    private readonly AdtsHeader _adts;
    private readonly bool _hasAudio;
    private readonly bool _hasMetadata;
    private readonly bool _hasSplices;
    private byte[] _scratch;
    private byte _patCounter;
    private byte _pmtCounter;
    private byte _videoCounter;
    private byte _audioCounter;
    private byte _metadataCounter;
    private byte _spliceCounter;

    public TsMuxer(VideoTrackInfo? video, AudioTrackInfo? audio, bool includeMetadataStream = true, ArrayPool<byte>? pool = null, bool includeSpliceStream = false)
    {
        if (video is null && audio is null)
        {
            throw new ArgumentException("At least one track is required.");
        }

        if (video is not null)
        {
            if (video.Codec != VideoCodec.Avc)
            {
                throw new NotSupportedException($"Only H.264 can be carried in MPEG-TS here, not {video.Codec}.");
            }

            _video = new AvcAnnexBWriter(video.DecoderConfiguration);
        }

        if (audio is not null)
        {
            if (!AdtsHeader.TryCreate(audio.AudioSpecificConfig, out _adts))
            {
                throw new ArgumentException("Unreadable AudioSpecificConfig.", nameof(audio));
            }

            _hasAudio = true;
        }

        _hasMetadata = includeMetadataStream;
        _hasSplices = includeSpliceStream;
        _pool = pool ?? ArrayPool<byte>.Shared;
        _scratch = _pool.Rent(64 * 1024);
    }

    /// <summary>The ADTS parameters derived from the audio config (samples per frame drive audio time stamps).</summary>
    public AdtsHeader Adts => _adts;

    /// <summary>Writes the PAT and PMT (two packets). HLS wants them at the start of every segment and part.</summary>
    public void WriteProgramTables(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> section = stackalloc byte[TsPacket.MaxPayload];
        ProgramAssociationTable.WriteSection(section);
        TsPacketWriter.WriteSection(output, TsPid.ProgramAssociation, ref _patCounter, section[..ProgramAssociationTable.SectionSize]);

        var pmtSize = ProgramMapTable.GetSectionSize(_video is not null, _hasAudio, _hasMetadata, _hasSplices);
        ProgramMapTable.WriteSection(section, _video is not null, _hasAudio, _hasMetadata, _hasSplices);
        TsPacketWriter.WriteSection(output, TsPid.ProgramMap, ref _pmtCounter, section[..pmtSize]);
    }

    /// <summary>Writes one video access unit (AVCC) as a PES packet with PTS and DTS, PCR, and random_access_indicator on keyframes.</summary>
    public void WriteVideo(IBufferWriter<byte> output, ReadOnlySpan<byte> accessUnit, long dts90, long pts90, bool isKeyframe)
    {
        ArgumentNullException.ThrowIfNull(output);
        var video = _video ?? throw new InvalidOperationException("The muxer has no video track.");
        var withDts = pts90 != dts90;
        var headerSize = PesHeader.GetSize(withDts);
        var payloadSize = video.GetSize(accessUnit, isKeyframe);
        var pes = GetScratch(headerSize + payloadSize);
        var written = video.Write(accessUnit, isKeyframe, pes[headerSize..]);
        PesHeader.Write(pes, PesHeader.VideoStreamId, written, pts90, withDts ? dts90 : -1);
        TsPacketWriter.WriteUnit(output, TsPid.Video, ref _videoCounter, pes[..(headerSize + written)], dts90, isKeyframe);
    }

    /// <summary>
    /// Writes consecutive raw AAC frames as one PES packet (each frame behind its own ADTS header) stamped
    /// with the first frame's PTS. Keep the group small enough for a 16-bit PES_packet_length.
    /// </summary>
    public void WriteAudio(IBufferWriter<byte> output, ReadOnlySpan<ReadOnlyMemory<byte>> rawFrames, long pts90, bool writePcr = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_hasAudio)
        {
            throw new InvalidOperationException("The muxer has no audio track.");
        }

        var payload = 0;
        foreach (var frame in rawFrames)
        {
            payload += AdtsHeader.Size + frame.Length;
        }

        var headerSize = PesHeader.GetSize(false);
        if (headerSize - 6 + payload > ushort.MaxValue)
        {
            throw new ArgumentException("Audio PES exceeds 65535 bytes; write fewer frames per call.", nameof(rawFrames));
        }

        var pes = GetScratch(headerSize + payload);
        PesHeader.Write(pes, PesHeader.AudioStreamId, payload, pts90, -1);
        var position = headerSize;
        foreach (var frame in rawFrames)
        {
            _adts.Write(pes[position..], frame.Length);
            frame.Span.CopyTo(pes[(position + AdtsHeader.Size)..]);
            position += AdtsHeader.Size + frame.Length;
        }

        var pcr = writePcr && _video is null ? pts90 : -1;
        TsPacketWriter.WriteUnit(output, TsPid.Audio, ref _audioCounter, pes[..position], pcr, randomAccess: pcr >= 0);
    }

    /// <summary>Writes an ID3 tag as a timed-metadata PES (private_stream_1, PTS only, data aligned).</summary>
    public void WriteMetadata(IBufferWriter<byte> output, ReadOnlySpan<byte> id3Tag, long pts90)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_hasMetadata)
        {
            throw new InvalidOperationException("The muxer has no metadata stream.");
        }

        var headerSize = PesHeader.GetSize(false);
        var pes = GetScratch(headerSize + id3Tag.Length);
        PesHeader.Write(pes, PesHeader.PrivateStream1, id3Tag.Length, pts90, -1);
        id3Tag.CopyTo(pes[headerSize..]);
        TsPacketWriter.WriteUnit(output, TsPid.Metadata, ref _metadataCounter, pes[..(headerSize + id3Tag.Length)], -1, randomAccess: false);
    }

    /// <summary>Writes one SCTE-35 splice_info_section (at most 183 bytes) in a packet of its own on the SCTE-35 PID.</summary>
    public void WriteSpliceInfo(IBufferWriter<byte> output, ReadOnlySpan<byte> section)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_hasSplices)
        {
            throw new InvalidOperationException("The muxer has no SCTE-35 stream.");
        }

        TsPacketWriter.WriteSection(output, TsPid.Scte35, ref _spliceCounter, section);
    }

    public void Dispose()
    {
        var scratch = Interlocked.Exchange(ref _scratch, null!);
        if (scratch is not null)
        {
            _pool.Return(scratch);
        }
    }

    private Span<byte> GetScratch(int size)
    {
        ObjectDisposedException.ThrowIf(_scratch is null, this);
        if (_scratch.Length < size)
        {
            _pool.Return(_scratch);
            _scratch = _pool.Rent(size);
        }

        return _scratch.AsSpan(0, size);
    }
}
